package dev.lattice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.lattice.control.admin.Kinds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lattice get KIND [NAME]}: resources with their status, as kubectl shows them. */
@Command(name = "get", description = "Show resources with their status, as kubectl would: KIND is svc, gtw, "
        + "httproute(s), gateway(s), gatewayclass(es)/gc, referencegrant(s), workload(s), namespace(s)/ns ...")
public final class GetCommand implements Callable<Integer> {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR));

    @Parameters(index = "0", paramLabel = "KIND", description = "resource kind, as kubectl takes it")
    String kind;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "one resource by name")
    String name;

    @Option(names = {"-n", "--namespace"}, description = "namespace (default: default)")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"}, description = "every namespace")
    boolean allNamespaces;

    @Option(names = {"-o", "--output"}, description = "yaml, json or wide (default: a table)")
    String output;

    @Option(names = "--admin", description = "admin API HOST:PORT (default: $LATTICE_ADMIN or 127.0.0.1:15014)")
    String admin;

    @Override
    public Integer call() throws Exception {
        var resolved = Kinds.resolve(kind);
        if (resolved.isEmpty()) {
            System.err.println("error: the server doesn't have a resource type \"" + kind + "\" (Lattice knows: "
                    + Kinds.accepted() + ")");
            return 1;
        }
        Kinds.Kind k = resolved.get();
        String out = output == null ? "" : output.toLowerCase(Locale.ROOT);
        if (!List.of("", "yaml", "json", "wide").contains(out)) {
            System.err.println("error: unknown output format \"" + output + "\"; use yaml, json or wide");
            return 2;
        }
        String ns = !k.namespaced() || allNamespaces ? null : namespace == null ? "default" : namespace;
        Map<String, String> q = new LinkedHashMap<>();
        q.put("kind", k.kind());
        q.put("namespace", ns);
        q.put("name", name);
        JsonNode items;
        try {
            items = AdminClient.of(admin).get("/api/v1/resources", q);
        } catch (AdminClient.AdminException e) {
            System.err.println("lattice get: " + e.getMessage());
            return 1;
        }
        if (name != null && items.isEmpty()) {
            System.err.println("Error from server (NotFound): " + k.plural() + " \"" + name + "\" not found"
                    + (ns == null ? "" : " in namespace \"" + ns + "\""));
            return 1;
        }
        switch (out) {
            case "yaml" -> System.out.print(YAML.writeValueAsString(single(items)));
            case "json" -> System.out.println(AdminClient.JSON.writer().with(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(single(items)));
            default -> {
                if (items.isEmpty()) {
                    System.err.println("No resources found" + (ns == null ? "" : " in " + ns + " namespace") + ".");
                } else {
                    System.out.print(Table.render(table(k.kind(), items, ns == null && k.namespaced(), out.equals("wide"))));
                }
            }
        }
        return 0;
    }

    /** One object when a NAME was asked for, else a v1 List as kubectl prints it. */
    private JsonNode single(JsonNode items) {
        if (name != null && items.size() == 1) return items.get(0);
        ObjectNode list = AdminClient.JSON.createObjectNode();
        list.put("apiVersion", "v1");
        list.set("items", items);
        list.put("kind", "List");
        list.putObject("metadata").put("resourceVersion", "");
        return list;
    }

    /** The table columns of each kind, close to kubectl's (without AGE: local resources have no creation time). */
    static List<List<String>> table(String kind, JsonNode items, boolean withNamespace, boolean wide) {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>();
        if (withNamespace) header.add("NAMESPACE");
        header.addAll(switch (kind) {
            case "Service" -> wide ? List.of("NAME", "TYPE", "PORT(S)", "SELECTOR") : List.of("NAME", "TYPE", "PORT(S)");
            case "Gateway" -> List.of("NAME", "CLASS", "ADDRESS", "PROGRAMMED");
            case "GatewayClass" -> List.of("NAME", "CONTROLLER", "ACCEPTED");
            case "ListenerSet" -> List.of("NAME", "ACCEPTED", "PROGRAMMED");
            case "HTTPRoute", "GRPCRoute", "TLSRoute" -> wide ? List.of("NAME", "HOSTNAMES", "PARENTS", "ACCEPTED", "RESOLVEDREFS")
                    : List.of("NAME", "HOSTNAMES");
            case "TCPRoute" -> wide ? List.of("NAME", "PARENTS", "ACCEPTED", "RESOLVEDREFS") : List.of("NAME");
            case "Workload" -> wide ? List.of("NAME", "ADDRESS", "PORTS", "SIDECAR", "COMMAND")
                    : List.of("NAME", "ADDRESS", "PORTS", "SIDECAR");
            case "Namespace" -> List.of("NAME", "STATUS");
            case "MTLSPolicy" -> List.of("NAME", "MODE", "ACCEPTED");
            case "AuthorizationPolicy" -> List.of("NAME", "ACTION", "ACCEPTED");
            case "TrafficTarget" -> List.of("NAME", "DESTINATION", "ACCEPTED");
            case "RequestValidationPolicy" -> List.of("NAME", "ACCEPTED");
            default -> List.of("NAME");
        });
        rows.add(header);
        for (JsonNode o : items) {
            List<String> row = new ArrayList<>();
            if (withNamespace) row.add(o.path("metadata").path("namespace").asText(""));
            String n = o.path("metadata").path("name").asText();
            JsonNode spec = o.path("spec");
            JsonNode status = o.path("status");
            row.add(n);
            switch (kind) {
                case "Service" -> {
                    row.add(spec.path("type").asText("ClusterIP"));
                    List<String> ports = new ArrayList<>();
                    spec.path("ports").forEach(p -> ports.add(p.path("port").asText() + "/" + p.path("protocol").asText("TCP")));
                    row.add(ports.isEmpty() ? "<none>" : String.join(",", ports));
                    if (wide) {
                        List<String> sel = new ArrayList<>();
                        spec.path("selector").properties().forEach(e -> sel.add(e.getKey() + "=" + e.getValue().asText()));
                        row.add(sel.isEmpty() ? "<none>" : String.join(",", sel));
                    }
                }
                case "Gateway" -> {
                    row.add(spec.path("gatewayClassName").asText(""));
                    JsonNode addr = status.path("addresses");
                    row.add(addr.isArray() && !addr.isEmpty() ? addr.get(0).path("value").asText() : "");
                    row.add(condition(status.path("conditions"), "Programmed"));
                }
                case "GatewayClass" -> {
                    row.add(spec.path("controllerName").asText(""));
                    row.add(condition(status.path("conditions"), "Accepted"));
                }
                case "ListenerSet" -> {
                    row.add(condition(status.path("conditions"), "Accepted"));
                    row.add(condition(status.path("conditions"), "Programmed"));
                }
                case "HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute" -> {
                    if (!kind.equals("TCPRoute")) {
                        List<String> hosts = new ArrayList<>();
                        spec.path("hostnames").forEach(h -> hosts.add("\"" + h.asText() + "\""));
                        row.add(hosts.isEmpty() ? "" : "[" + String.join(",", hosts) + "]");
                    }
                    if (wide) {
                        List<String> parents = new ArrayList<>();
                        spec.path("parentRefs").forEach(p -> parents.add(p.path("kind").asText("Gateway") + "/"
                                + p.path("name").asText() + (p.has("sectionName") ? "." + p.path("sectionName").asText() : "")));
                        row.add(String.join(",", parents));
                        List<String> accepted = new ArrayList<>();
                        List<String> resolvedRefs = new ArrayList<>();
                        status.path("parents").forEach(p -> {
                            accepted.add(condition(p.path("conditions"), "Accepted"));
                            resolvedRefs.add(condition(p.path("conditions"), "ResolvedRefs"));
                        });
                        row.add(String.join(",", accepted));
                        row.add(String.join(",", resolvedRefs));
                    }
                }
                case "Workload" -> {
                    row.add(spec.path("address").asText("127.0.0.1"));
                    List<String> ports = new ArrayList<>();
                    spec.path("ports").forEach(p -> ports.add(p.path("port").asText()));
                    row.add(String.join(",", ports));
                    JsonNode inject = spec.path("sidecar").path("inject");
                    row.add(inject.isBoolean() && !inject.asBoolean() ? "false" : "true");
                    if (wide) {
                        List<String> cmd = new ArrayList<>();
                        spec.path("command").forEach(c -> cmd.add(c.asText()));
                        row.add(String.join(" ", cmd));
                    }
                }
                case "Namespace" -> row.add(status.path("phase").asText("Active"));
                case "MTLSPolicy", "AuthorizationPolicy", "TrafficTarget" -> {
                    row.add(switch (kind) {
                        case "MTLSPolicy" -> spec.path("mode").asText("");
                        case "AuthorizationPolicy" -> spec.path("action").asText("ALLOW") + (spec.path("dryRun").asBoolean() ? " (dry run)" : "");
                        default -> spec.path("destination").path("name").asText("");
                    });
                    row.add(policyAccepted(status));
                }
                case "RequestValidationPolicy" -> row.add(policyAccepted(status));
                default -> { }
            }
            rows.add(row);
        }
        return rows;
    }

    /** A policy's Accepted over its status.ancestors: True when every ancestor accepts it, else the first reason it does not. */
    static String policyAccepted(JsonNode status) {
        JsonNode ancestors = status.path("ancestors");
        if (!ancestors.isArray() || ancestors.isEmpty()) return "Unknown";
        for (JsonNode a : ancestors) {
            for (JsonNode c : a.path("conditions")) {
                if (c.path("type").asText().equals("Accepted") && !c.path("status").asText().equals("True")) {
                    return "False (" + c.path("reason").asText() + ")";
                }
            }
        }
        return "True";
    }

    private static String condition(JsonNode conditions, String type) {
        for (JsonNode c : conditions) {
            if (c.path("type").asText().equals(type)) return c.path("status").asText("Unknown");
        }
        return "Unknown";
    }
}
