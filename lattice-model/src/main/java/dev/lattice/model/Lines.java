package dev.lattice.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Lines of fields inside a resource, by field path as problems spell it ({@code spec.rules[0].backendRefs[1].port}).
 * A field that is missing gets the line of its nearest existing parent; a tree without lines (built in code)
 * gets the resource's own line.
 */
public final class Lines {
    private Lines() {}

    public static int lineOf(Resource resource, String fieldPath) {
        int line = resource.source().line();
        JsonNode node = resource.object();
        for (Object seg : segments(fieldPath)) {
            int l = 0;
            JsonNode next;
            if (seg instanceof String name) {
                if (node instanceof LineObjectNode o) l = o.fieldLine(name);
                next = node.get(name);
            } else {
                int i = (Integer) seg;
                if (node instanceof LineArrayNode a) l = a.itemLine(i);
                next = node.isArray() ? node.get(i) : null;
            }
            if (next == null) break;
            if (l > 0) line = l;
            node = next;
        }
        return line;
    }

    /** A problem at {@code fieldPath} of {@code resource}, with that field's line. */
    public static Problem problem(Resource resource, String fieldPath, String message) {
        ResourceKey k = resource.key();
        return new Problem(resource.source().file(), lineOf(resource, fieldPath), k.kind(), k.namespace(), k.name(),
                fieldPath, message);
    }

    static List<Object> segments(String path) {
        List<Object> out = new ArrayList<>();
        int i = 0;
        int n = path.length();
        while (i < n) {
            char c = path.charAt(i);
            if (c == '.') {
                i++;
            } else if (c == '[') {
                int end = path.indexOf(']', i);
                if (end < 0) break;
                try {
                    out.add(Integer.parseInt(path.substring(i + 1, end)));
                } catch (NumberFormatException e) {
                    out.add(path.substring(i + 1, end));
                }
                i = end + 1;
            } else {
                int j = i;
                while (j < n && path.charAt(j) != '.' && path.charAt(j) != '[') j++;
                out.add(path.substring(i, j));
                i = j;
            }
        }
        return out;
    }
}
