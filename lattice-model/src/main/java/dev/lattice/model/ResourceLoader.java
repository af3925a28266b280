package dev.lattice.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the text of one YAML file into resources, each validated on its own. Pure: the caller reads the file.
 * File names are used as given, in every problem.
 */
public final class ResourceLoader {
    /** One object of a file; valid when it has no problems. */
    public record LoadedObject(Resource resource, List<Problem> problems) {
        public LoadedObject {
            problems = List.copyOf(problems);
        }

        public boolean valid() {
            return problems.isEmpty();
        }
    }

    /**
     * What one file holds: its objects of known kinds (valid or not), and the problems of the file itself (syntax,
     * documents that are not objects, unknown kinds). On a syntax error {@code objects} is empty and
     * {@code syntaxError} is true.
     */
    public record LoadedFile(String file, List<LoadedObject> objects, List<Problem> problems, boolean syntaxError) {
        public LoadedFile {
            objects = List.copyOf(objects);
            problems = List.copyOf(problems);
        }

        /** Every problem: the file's and its objects'. */
        public List<Problem> allProblems() {
            List<Problem> all = new ArrayList<>(problems);
            for (LoadedObject o : objects) all.addAll(o.problems());
            return List.copyOf(all);
        }

        public List<Resource> validResources() {
            return objects.stream().filter(LoadedObject::valid).map(LoadedObject::resource).toList();
        }
    }

    private ResourceLoader() {}

    public static LoadedFile load(String file, String text) {
        List<YamlDocuments.Document> docs;
        try {
            docs = YamlDocuments.parse(text);
        } catch (YamlSyntaxException e) {
            return new LoadedFile(file, List.of(), List.of(new Problem(file, e.line(), "", "", "", "", e.getMessage())), true);
        }
        List<LoadedObject> objects = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        for (YamlDocuments.Document d : docs) {
            int line = d.line();
            if (!(d.root() instanceof ObjectNode o)) {
                problems.add(new Problem(file, line, "", "", "", "",
                        "a document must be a Kubernetes object (a map with apiVersion, kind and metadata)"));
                continue;
            }
            String apiVersion = text(o, "apiVersion");
            String kind = text(o, "kind");
            JsonNode meta = o.get("metadata");
            String name = meta != null ? text(meta, "name") : null;
            if (apiVersion == null || kind == null) {
                problems.add(new Problem(file, line, kind == null ? "" : kind, "", name == null ? "" : name,
                        apiVersion == null ? "apiVersion" : "kind", "required"));
                continue;
            }
            boolean namespaced = Models.isNamespaced(apiVersion, kind);
            String ns = "";
            if (namespaced) {
                String written = meta != null ? text(meta, "namespace") : null;
                ns = written == null || written.isEmpty() ? "default" : written;
            }
            if (!Models.isKnown(apiVersion, kind)) {
                problems.add(new Problem(file, line, kind, ns, name == null ? "" : name, "",
                        "unknown kind " + apiVersion + "/" + kind + ", skipped (Lattice reads " + Models.KNOWN + ")"));
                continue;
            }
            if (name == null || name.isEmpty()) {
                int l = o instanceof LineObjectNode lo && lo.fieldLine("metadata") > 0 ? lo.fieldLine("metadata") : line;
                problems.add(new Problem(file, l, kind, ns, "", "metadata.name", "required"));
                continue;
            }
            Resource r = new Resource(new ResourceKey(Models.keyKind(apiVersion, kind), ns, name), apiVersion, new Source(file, line), o);
            objects.add(new LoadedObject(r, Models.read(r).problems()));
        }
        return new LoadedFile(file, objects, problems, false);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isValueNode() && !v.isNull() ? v.asText() : null;
    }
}
