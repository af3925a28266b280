package dev.lattice.model;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** A Kubernetes label selector: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist), ANDed. */
public record LabelSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {
    public record Requirement(String key, String operator, List<String> values) {
        public Requirement {
            values = List.copyOf(values);
        }
    }

    public LabelSelector {
        matchLabels = Map.copyOf(matchLabels);
        matchExpressions = List.copyOf(matchExpressions);
    }

    public boolean matches(Map<String, String> labels) {
        for (var e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) return false;
        }
        for (Requirement r : matchExpressions) {
            String v = labels.get(r.key());
            boolean ok = switch (r.operator()) {
                case "In" -> v != null && r.values().contains(v);
                case "NotIn" -> v == null || !r.values().contains(v);
                case "Exists" -> v != null;
                case "DoesNotExist" -> v == null;
                default -> false;
            };
            if (!ok) return false;
        }
        return true;
    }

    static LabelSelector read(Field f) {
        f.object();
        Map<String, String> labels = f.get("matchLabels").stringMap();
        List<Requirement> reqs = new java.util.ArrayList<>();
        for (Field e : f.get("matchExpressions").list()) {
            String key = e.get("key").requiredString();
            String op = e.get("operator").require()
                    ? e.get("operator").oneOf("In", List.of("In", "NotIn", "Exists", "DoesNotExist")) : "In";
            List<String> values = e.get("values").strings();
            if (Set.of("In", "NotIn").contains(op) && values.isEmpty()) e.get("values").problem("required for operator " + op);
            if (Set.of("Exists", "DoesNotExist").contains(op) && !values.isEmpty()) {
                e.get("values").problem("must be empty for operator " + op);
            }
            reqs.add(new Requirement(key, op, values));
        }
        return new LabelSelector(labels, reqs);
    }
}
