package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The metadata every resource has. {@code namespace} is "" for cluster-scoped kinds; creationTimestamp "" when not written. */
public record ObjectMeta(String name, String namespace, Map<String, String> labels, Map<String, String> annotations,
                         long generation, String creationTimestamp) {
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    public ObjectMeta {
        requireNonNull(name, "name");
        requireNonNull(namespace, "namespace");
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
        requireNonNull(creationTimestamp, "creationTimestamp");
    }

    static ObjectMeta read(Resource r, Field root, List<Problem> problems) {
        Field m = root.get("metadata");
        m.object();
        String name = m.get("name").string("");
        if (!DNS_SUBDOMAIN.matcher(name).matches()) {
            m.get("name").problem("must be a lowercase DNS name (a-z, 0-9, '-', '.'), not \"" + name + "\"");
        }
        Map<String, String> labels = m.get("labels").stringMap();
        Map<String, String> annotations = m.get("annotations").stringMap();
        String ts = m.get("creationTimestamp").string("");
        if (!ts.isEmpty()) {
            try {
                java.time.Instant.parse(ts);
            } catch (java.time.format.DateTimeParseException e) {
                m.get("creationTimestamp").problem("must be an RFC 3339 time such as 2024-01-01T00:00:00Z, not \"" + ts + "\"");
            }
        }
        return new ObjectMeta(r.name(), r.namespace(), labels, annotations, r.generation(), ts);
    }
}
