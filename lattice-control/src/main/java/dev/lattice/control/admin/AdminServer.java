package dev.lattice.control.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lattice.control.ControlPlane;
import dev.lattice.control.ProxyId;
import dev.lattice.control.ProxyPorts;
import dev.lattice.control.translate.ProxyRequest;
import dev.lattice.control.translate.ProxyXds;
import dev.lattice.control.xds.ProxyXdsState;
import dev.lattice.control.xds.XdsServer;
import dev.lattice.control.xds.XdsTypes;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The control plane's admin API (JSON over HTTP, loopback; default 127.0.0.1:15014):
 * <ul>
 *   <li>{@code GET /healthz} → {@code ok}</li>
 *   <li>{@code GET /api/v1/resources?kind=K&namespace=N&name=X} → array of objects as Kubernetes shows them
 *       (apiVersion, kind, metadata, spec, status); {@code kind} takes kubectl's names ({@link Kinds});
 *       every parameter optional</li>
 *   <li>{@code GET /api/v1/proxies} → array of {@code {id, role, namespace, name, pid, adminPort, listenPorts,
 *       outboundPort, inboundPorts (sidecars), publishedVersion, ackedVersion, synced, proxyVersion, nack, connected,
 *       process, identity, certificateExpiry}}</li>
 *   <li>{@code GET /api/v1/problems} → array of {@code {file, line, kind, namespace, name, field, message, text}}</li>
 *   <li>{@code GET /api/v1/xds?node=ID} → {@code {listeners, clusters}} as proto JSON</li>
 * </ul>
 */
public final class AdminServer implements AutoCloseable {
    public static final int DEFAULT_PORT = 15014;
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Every type Lattice packs into an Any (TLS contexts, filters...), so that no resource prints as an error. */
    private static final JsonFormat.Printer PROTO_JSON = JsonFormat.printer()
            .usingTypeRegistry(dev.lattice.control.translate.XdsJson.TYPES);

    private final HttpServer server;
    private final ExecutorService executor;
    private final ControlPlane controlPlane;
    private final ProcessStates processes;

    private AdminServer(HttpServer server, ExecutorService executor, ControlPlane controlPlane, ProcessStates processes) {
        this.server = server;
        this.executor = executor;
        this.controlPlane = controlPlane;
        this.processes = processes;
    }

    /** Serves the admin API on {@code host:port} (0 picks a free port). */
    public static AdminServer start(String host, int port, ControlPlane controlPlane, ProcessStates processes) {
        requireNonNull(host, "host");
        requireNonNull(controlPlane, "controlPlane");
        requireNonNull(processes, "processes");
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("admin API: cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "); choose another port with --admin-port", e);
        }
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        AdminServer admin = new AdminServer(server, executor, controlPlane, processes);
        server.createContext("/", admin::handle);
        server.start();
        return admin;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                send(ex, 405, error("admin API: only GET is supported, got " + ex.getRequestMethod()));
                return;
            }
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            String path = ex.getRequestURI().getPath();
            switch (path) {
                case "/healthz" -> sendText(ex, 200, "ok\n");
                case "/api/v1/resources" -> {
                    String kind = q.get("kind");
                    if (kind != null && !kind.isEmpty() && Kinds.resolve(kind).isEmpty()) {
                        send(ex, 400, error("admin API: unknown kind \"" + kind + "\"; known: " + Kinds.accepted()));
                        return;
                    }
                    send(ex, 200, resources(controlPlane.state(), kind, q.get("namespace"), q.get("name")));
                }
                case "/api/v1/proxies" -> send(ex, 200, proxies(controlPlane.state(), controlPlane.xds(), processes,
                        controlPlane.identity() == null ? Map.of() : controlPlane.identity().service().issued()));
                case "/api/v1/problems" -> send(ex, 200, problems(controlPlane.state().problems()));
                case "/api/v1/xds" -> {
                    String node = q.getOrDefault("node", "");
                    Optional<ProxyXds> x = controlPlane.state().proxies().entrySet().stream()
                            .filter(e -> e.getKey().nodeId().equals(node)).map(Map.Entry::getValue).findFirst();
                    if (x.isEmpty()) {
                        send(ex, 404, error("admin API: no proxy with node id \"" + node + "\""));
                    } else {
                        send(ex, 200, xds(x.get()));
                    }
                }
                default -> send(ex, 404, error("admin API: no such path " + path
                        + "; try /api/v1/resources, /api/v1/proxies, /api/v1/problems, /api/v1/xds?node=ID, /healthz"));
            }
        } catch (RuntimeException e) {
            send(ex, 500, error("admin API: " + e));
        }
    }

    /** The resources as Kubernetes shows them, filtered; {@code kind} in any of kubectl's spellings. */
    public static ArrayNode resources(ControlPlane.State state, String kind, String namespace, String name) {
        Optional<Kinds.Kind> k = kind == null || kind.isEmpty() ? Optional.empty() : Kinds.resolve(kind);
        ArrayNode out = JSON.createArrayNode();
        List<Resource> rs = state.snapshot().resources().stream()
                .sorted(Comparator.comparing(Resource::kind).thenComparing(Resource::namespace)
                        .thenComparing(Resource::name))
                .toList();
        boolean namespacesDeclared = false;
        for (Resource r : rs) {
            if (r.kind().equals("Namespace")) namespacesDeclared = true;
            if (k.isPresent() && !k.get().kind().equals(r.kind())) continue;
            if (namespace != null && !namespace.isEmpty() && !r.namespace().isEmpty() && !r.namespace().equals(namespace)) continue;
            if (name != null && !name.isEmpty() && !r.name().equals(name)) continue;
            out.add(view(r, state));
        }
        if (k.isPresent() && k.get().kind().equals("Namespace")) {
            // namespaces that objects live in exist, as `kubectl get ns` would list them
            TreeSet<String> used = new TreeSet<>();
            rs.forEach(r -> {
                if (!r.namespace().isEmpty()) used.add(r.namespace());
            });
            TreeSet<String> declared = new TreeSet<>();
            for (JsonNode n : out) declared.add(n.path("metadata").path("name").asText());
            for (String ns : used) {
                if (declared.contains(ns) || (name != null && !name.isEmpty() && !ns.equals(name))) continue;
                ObjectNode o = JSON.createObjectNode();
                o.put("apiVersion", "v1");
                o.put("kind", "Namespace");
                o.putObject("metadata").put("name", ns);
                o.putObject("spec");
                o.putObject("status").put("phase", "Active");
                out.add(o);
            }
        }
        return out;
    }

    private static ObjectNode view(Resource r, ControlPlane.State state) {
        ObjectNode src = r.object();
        ObjectNode o = JSON.createObjectNode();
        o.put("apiVersion", r.apiVersion());
        o.put("kind", src.path("kind").asText(r.kind()));
        ObjectNode md = src.path("metadata").isObject() ? ((ObjectNode) src.get("metadata")).deepCopy()
                : JSON.createObjectNode();
        md.put("name", r.name());
        if (!r.namespace().isEmpty()) md.put("namespace", r.namespace());
        if (!md.has("generation")) md.put("generation", r.generation());
        o.set("metadata", md);
        src.properties().forEach(e -> {
            if (!o.has(e.getKey()) && !e.getKey().equals("status")) o.set(e.getKey(), e.getValue().deepCopy());
        });
        if (r.kind().equals("Secret")) hideSecretData(o);
        ObjectNode status = state.statuses().get(r.key());
        if (status != null) o.set("status", status.deepCopy());
        return o;
    }

    /**
     * A Secret is shown as {@code kubectl describe secret} shows it: each key (data and stringData merged) with its
     * size, never its value.
     */
    private static void hideSecretData(ObjectNode o) {
        ObjectNode sizes = JSON.createObjectNode();
        JsonNode data = o.path("data");
        for (var it = data.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            int bytes;
            try {
                bytes = java.util.Base64.getMimeDecoder().decode(e.getValue().asText()).length;
            } catch (IllegalArgumentException x) {
                bytes = e.getValue().asText().length();
            }
            sizes.put(e.getKey(), bytes + " bytes");
        }
        for (var it = o.path("stringData").properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            sizes.put(e.getKey(), e.getValue().asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + " bytes");
        }
        o.remove("stringData");
        o.set("data", sizes);
    }

    /** Every proxy the resources call for, with what xDS and the process manager know about it. */
    public static ArrayNode proxies(ControlPlane.State state, XdsServer xds, ProcessStates processes) {
        return proxies(state, xds, processes, Map.of());
    }

    /**
     * Every proxy the resources call for, with what xDS, the process manager and the CA know about it: {@code identity}
     * (the SPIFFE ID of its current certificate) and {@code certificateExpiry} (RFC 3339), null before it has one.
     */
    public static ArrayNode proxies(ControlPlane.State state, XdsServer xds, ProcessStates processes,
                                    Map<String, dev.lattice.control.ca.CertificateService.Issued> issued) {
        ArrayNode out = JSON.createArrayNode();
        Map<String, ProxyXdsState> seen = new HashMap<>(xds.states());
        for (ProxyRequest req : state.requests()) {
            ProxyId id = req.id();
            ProxyXdsState s = seen.remove(id.nodeId());
            ProxyPorts ports = state.snapshot().ports().get(id);
            ProxyXds config = state.proxies().get(id);
            ObjectNode o = out.addObject();
            o.put("id", id.nodeId());
            o.put("role", id.role().wire());
            o.put("namespace", id.namespace());
            o.put("name", id.name());
            Long pid = s != null && s.pid() != null ? s.pid() : processes.pid(id);
            if (pid == null) o.putNull("pid"); else o.put("pid", pid);
            Integer admin = ports != null ? Integer.valueOf(ports.adminPort()) : s != null ? s.adminPort() : null;
            if (admin == null) o.putNull("adminPort"); else o.put("adminPort", admin);
            ArrayNode listen = o.putArray("listenPorts");
            if (config != null) config.listenPorts().forEach(listen::add);
            if (ports != null && id.role() == ProxyId.Role.SIDECAR) {
                o.put("outboundPort", ports.outboundPort());
                ObjectNode inbound = o.putObject("inboundPorts");
                ports.inbound().entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .forEach(e -> inbound.put(String.valueOf(e.getKey()), e.getValue()));
            }
            ObjectNode published = o.putObject("publishedVersion");
            String cds = xds.publishedVersion(id, XdsTypes.CLUSTER);
            String lds = xds.publishedVersion(id, XdsTypes.LISTENER);
            if (cds != null) published.put("CDS", cds);
            if (lds != null) published.put("LDS", lds);
            addXdsState(o, s);
            o.put("process", processes.state(id));
            var cert = issued.get(id.nodeId());
            if (cert == null) {
                o.putNull("identity");
                o.putNull("certificateExpiry");
            } else {
                o.put("identity", cert.identity().toString());
                o.put("certificateExpiry", java.time.format.DateTimeFormatter.ISO_INSTANT.format(cert.notAfter()));
            }
        }
        // nodes that connected without being called for (a stray or foreign proxy)
        seen.values().stream().sorted(Comparator.comparing(ProxyXdsState::nodeId)).forEach(s -> {
            ObjectNode o = out.addObject();
            o.put("id", s.nodeId());
            try {
                ProxyId id = ProxyId.parse(s.nodeId());
                o.put("role", id.role().wire());
                o.put("namespace", id.namespace());
                o.put("name", id.name());
            } catch (IllegalArgumentException e) {
                o.putNull("role");
            }
            if (s.pid() == null) o.putNull("pid"); else o.put("pid", s.pid());
            if (s.adminPort() == null) o.putNull("adminPort"); else o.put("adminPort", s.adminPort());
            o.putArray("listenPorts");
            o.putObject("publishedVersion");
            addXdsState(o, s);
            o.put("process", "unknown (not in the current config)");
        });
        return out;
    }

    private static void addXdsState(ObjectNode o, ProxyXdsState s) {
        ObjectNode acked = o.putObject("ackedVersion");
        if (s != null) s.ackedVersions().forEach(acked::put);
        // in sync: the proxy has ACKed exactly what is published to it
        JsonNode published = o.path("publishedVersion");
        boolean synced = published.size() > 0;
        for (var e : published.properties()) {
            synced &= e.getValue().asText().equals(acked.path(e.getKey()).asText(null));
        }
        o.put("synced", synced);
        if (s == null || s.proxyVersion() == null) o.putNull("proxyVersion"); else o.put("proxyVersion", s.proxyVersion());
        ProxyXdsState.Nack nack = s == null ? null : s.lastNack();
        if (nack == null) {
            o.putNull("nack");
        } else {
            ObjectNode n = o.putObject("nack");
            n.put("type", nack.type());
            n.put("version", nack.version());
            n.put("reason", nack.reason());
            n.put("at", nack.at().toString());
        }
        o.put("connected", s != null && s.connected());
    }

    public static ArrayNode problems(List<Problem> problems) {
        ArrayNode out = JSON.createArrayNode();
        for (Problem p : problems) {
            ObjectNode o = out.addObject();
            o.put("file", p.file());
            o.put("line", p.line());
            o.put("kind", p.kind());
            o.put("namespace", p.namespace());
            o.put("name", p.name());
            o.put("field", p.field());
            o.put("message", p.message());
            o.put("text", p.toString());
        }
        return out;
    }

    private static ObjectNode xds(ProxyXds x) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode ls = o.putArray("listeners");
        for (Message m : x.listeners()) ls.add(protoJson(m));
        ArrayNode cs = o.putArray("clusters");
        for (Message m : x.clusters()) cs.add(protoJson(m));
        return o;
    }

    private static JsonNode protoJson(Message m) {
        try {
            return JSON.readTree(PROTO_JSON.print(m));
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            return JSON.createObjectNode().put("error", "cannot print " + m.getDescriptorForType().getFullName() + ": " + e.getMessage());
        }
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("error", message);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null || raw.isEmpty()) return q;
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        write(ex, status, bytes);
    }

    private static void sendText(HttpExchange ex, int status, String body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        write(ex, status, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void write(HttpExchange ex, int status, byte[] bytes) throws IOException {
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
