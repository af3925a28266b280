package dev.lattice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lattice status}: every proxy with its pid, ports, ACKed config version and any NACK. */
@Command(name = "status", description = "List every proxy: id, pid, listen ports, admin port, the config "
        + "version it has ACKed, and any NACK with its reason.")
public final class StatusCommand implements Callable<Integer> {
    @Option(names = {"-o", "--output"}, description = "json for the admin API's JSON; default a table")
    String output;

    @Option(names = "--admin", description = "admin API HOST:PORT (default: $LATTICE_ADMIN or 127.0.0.1:15014)")
    String admin;

    @Override
    public Integer call() throws Exception {
        AdminClient client = AdminClient.of(admin);
        JsonNode proxies;
        JsonNode problems;
        try {
            proxies = client.get("/api/v1/proxies", Map.of());
            problems = client.get("/api/v1/problems", Map.of());
        } catch (AdminClient.AdminException e) {
            System.err.println("lattice status: " + e.getMessage());
            return 1;
        }
        if (output != null && output.equalsIgnoreCase("json")) {
            System.out.println(AdminClient.JSON.writer().with(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(proxies));
            return 0;
        }
        if (output != null && !output.isEmpty()) {
            System.err.println("lattice status: unknown output \"" + output + "\"; use -o json or no -o");
            return 2;
        }
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("PROXY", "PID", "PROCESS", "CONNECTED", "SYNCED", "LISTEN", "ADMIN", "IDENTITY", "CERT EXPIRY", "ACKED", "NACK"));
        for (JsonNode p : proxies) {
            List<String> listen = new ArrayList<>();
            p.path("listenPorts").forEach(n -> listen.add(n.asText()));
            List<String> acked = new ArrayList<>();
            p.path("ackedVersion").properties().forEach(e -> acked.add(e.getKey() + "=" + e.getValue().asText()));
            JsonNode nack = p.path("nack");
            rows.add(List.of(p.path("id").asText(), p.path("pid").isNull() ? "-" : p.path("pid").asText(),
                    p.path("process").asText("-"), p.path("connected").asBoolean() ? "yes" : "no",
                    p.path("synced").asBoolean() ? "yes" : "no",
                    listen.isEmpty() ? "-" : String.join(",", listen),
                    p.path("adminPort").isNull() ? "-" : p.path("adminPort").asText(),
                    p.path("identity").isTextual() ? p.path("identity").asText() : "-",
                    p.path("certificateExpiry").isTextual() ? p.path("certificateExpiry").asText() : "-",
                    acked.isEmpty() ? "-" : String.join(" ", acked),
                    nack.isObject() ? nack.path("type").asText() + " " + nack.path("version").asText() + ": "
                            + nack.path("reason").asText() : "-"));
        }
        System.out.print(Table.render(rows));
        if (proxies.isEmpty()) System.out.println("(no proxies)");
        if (!problems.isEmpty()) {
            System.out.println();
            System.out.println(problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ":");
            for (JsonNode pr : problems) System.out.println("  " + pr.path("text").asText());
        }
        return 0;
    }
}
