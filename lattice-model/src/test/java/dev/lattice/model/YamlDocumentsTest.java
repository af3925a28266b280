package dev.lattice.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class YamlDocumentsTest {
    @Test
    void keepsTheLineOfEveryFieldAndItem() throws Exception {
        String yaml = """
                a: 1
                b:
                  c: x
                  d:
                    - e: 1
                      f: 2
                    - g
                """;
        List<YamlDocuments.Document> docs = YamlDocuments.parse(yaml);
        assertThat(docs).hasSize(1);
        LineObjectNode root = (LineObjectNode) docs.get(0).root();
        assertThat(root.fieldLine("a")).isEqualTo(1);
        assertThat(root.fieldLine("b")).isEqualTo(2);
        LineObjectNode b = (LineObjectNode) root.get("b");
        assertThat(b.fieldLine("c")).isEqualTo(3);
        LineArrayNode d = (LineArrayNode) b.get("d");
        assertThat(d.itemLine(0)).isEqualTo(5);
        assertThat(d.itemLine(1)).isEqualTo(7);
        assertThat(((LineObjectNode) d.get(0)).fieldLine("f")).isEqualTo(6);
        assertThat(root.get("a").isInt()).isTrue();
        assertThat(d.get(1).asText()).isEqualTo("g");
    }

    @Test
    void readsMultipleDocumentsAndSkipsEmptyOnes() throws Exception {
        String yaml = "a: 1\n---\n---\nb: true\n---\n# only a comment\n";
        List<YamlDocuments.Document> docs = YamlDocuments.parse(yaml);
        assertThat(docs).extracting(YamlDocuments.Document::line).containsExactly(1, 4);
        assertThat(docs.get(1).root().get("b").asBoolean()).isTrue();
    }

    @Test
    void syntaxErrorNamesItsLine() {
        String yaml = "a: 1\nb: [1, 2\nc: 3\n";
        assertThatThrownBy(() -> YamlDocuments.parse(yaml))
                .isInstanceOf(YamlSyntaxException.class)
                .satisfies(e -> assertThat(((YamlSyntaxException) e).line()).isBetween(2, 4));
    }

    @Test
    void duplicateKeyIsASyntaxError() {
        assertThatThrownBy(() -> YamlDocuments.parse("a: 1\nb: 2\na: 3\n"))
                .isInstanceOf(YamlSyntaxException.class)
                .hasMessageContaining("duplicate key \"a\"")
                .satisfies(e -> assertThat(((YamlSyntaxException) e).line()).isEqualTo(3));
    }

    @Test
    void lineNodesEqualPlainNodes() throws Exception {
        var parsed = YamlDocuments.parse("a: [1, {b: c}]\n").get(0).root();
        var plain = new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"a\": [1, {\"b\": \"c\"}]}");
        assertThat(parsed).isEqualTo(plain);
        assertThat(plain).isEqualTo(parsed);
        assertThat(parsed.hashCode()).isEqualTo(plain.hashCode());
    }
}
