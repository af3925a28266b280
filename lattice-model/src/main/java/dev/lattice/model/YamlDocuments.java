package dev.lattice.model;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads multi-document YAML into Jackson trees whose objects and arrays are {@link LineObjectNode} and
 * {@link LineArrayNode}, so that every field keeps the line it was written on. Built from the parser's token
 * stream. Pure: reads only the text it is given.
 */
public final class YamlDocuments {
    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** One document of a YAML stream: its root value and the line where it starts. Empty documents (nothing, or only comments) are left out. */
    public record Document(JsonNode root, int line) {}

    private YamlDocuments() {}

    public static List<Document> parse(String text) throws YamlSyntaxException {
        List<Document> docs = new ArrayList<>();
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                int line = line(p.currentTokenLocation());
                JsonNode n = read(p, t);
                if (!n.isNull() && !n.isMissingNode() && !(n.isTextual() && n.asText().isEmpty())) docs.add(new Document(n, line));
            }
        } catch (JacksonException e) {
            String msg = e.getOriginalMessage();
            if (msg != null) {
                int nl = msg.indexOf('\n');
                if (nl > 0) msg = msg.substring(0, nl);
            }
            throw new YamlSyntaxException(line(e.getLocation()), "invalid YAML: " + msg);
        } catch (IOException e) {
            throw new YamlSyntaxException(0, "invalid YAML: " + e.getMessage());
        }
        return List.copyOf(docs);
    }

    private static int line(JsonLocation loc) {
        return loc == null ? 0 : Math.max(loc.getLineNr(), 0);
    }

    private static JsonNode read(JsonParser p, JsonToken t) throws IOException, YamlSyntaxException {
        int line = line(p.currentTokenLocation());
        switch (t) {
            case START_OBJECT -> {
                LineObjectNode o = new LineObjectNode(line);
                JsonToken k;
                while ((k = p.nextToken()) != JsonToken.END_OBJECT) {
                    if (k != JsonToken.FIELD_NAME) throw new YamlSyntaxException(line, "invalid YAML: expected a key");
                    String name = p.currentName();
                    int fieldLine = line(p.currentTokenLocation());
                    JsonNode v = read(p, p.nextToken());
                    if (o.has(name)) throw new YamlSyntaxException(fieldLine, "invalid YAML: duplicate key \"" + name + "\"");
                    o.set(name, v);
                    o.setFieldLine(name, fieldLine);
                }
                return o;
            }
            case START_ARRAY -> {
                LineArrayNode a = new LineArrayNode(line);
                JsonToken k;
                while ((k = p.nextToken()) != JsonToken.END_ARRAY) {
                    int itemLine = line(p.currentTokenLocation());
                    a.add(read(p, k));
                    a.addItemLine(itemLine);
                }
                return a;
            }
            case VALUE_STRING -> {
                return TextNode.valueOf(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(p.getDoubleValue());
            }
            case VALUE_TRUE -> {
                return BooleanNode.TRUE;
            }
            case VALUE_FALSE -> {
                return BooleanNode.FALSE;
            }
            case VALUE_NULL -> {
                return NullNode.instance;
            }
            case VALUE_EMBEDDED_OBJECT -> {
                Object o = p.getEmbeddedObject();
                return o == null ? NullNode.instance : TextNode.valueOf(String.valueOf(o));
            }
            default -> throw new YamlSyntaxException(line, "invalid YAML: unexpected " + t);
        }
    }
}
