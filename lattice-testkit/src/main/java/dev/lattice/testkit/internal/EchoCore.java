package dev.lattice.testkit.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the echo answers, independent of the protocol: shared by the HTTP/1.1 and HTTP/2 handlers. */
public final class EchoCore {
    public static final int MAX_REQUESTS = 1000;
    public static final long MAX_DELAY_MILLIS = 120_000;
    /** The retry simulation remembers at most this many uuids (the least recently used are forgotten first). */
    public static final int MAX_RETRY_IDS = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final String namespace;
    private final ArrayDeque<ObjectNode> seen = new ArrayDeque<>();
    /** The retry simulation's failed attempts per uuid, in access order, bounded by {@link #MAX_RETRY_IDS}. */
    private final LinkedHashMap<String, Integer> retryAttempts = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > MAX_RETRY_IDS;
        }
    };

    public EchoCore(String name, String namespace) {
        this.name = requireNonNull(name, "name");
        this.namespace = requireNonNull(namespace, "namespace");
    }

    public String name() {
        return name;
    }

    public String namespace() {
        return namespace;
    }

    /** A request as the handlers saw it; header names lower-cased, in arrival order. */
    public record Request(String method, String path, String host, String proto,
                          Map<String, List<String>> headers, long bodyLength, String remote) {
        public Request {
            requireNonNull(method, "method");
            requireNonNull(path, "path");
            requireNonNull(host, "host");
            requireNonNull(proto, "proto");
            headers = Map.copyOf(headers);
            requireNonNull(remote, "remote");
        }
    }

    /**
     * The answer: status, extra headers, and either a body or a count of bytes to stream
     * ({@code streamBytes >= 0}); or, when {@code reset}, no answer at all: the handler resets the connection
     * (HTTP/1.1: a TCP RST) or the stream (HTTP/2: RST_STREAM).
     */
    public record Response(int status, String contentType, Map<String, List<String>> headers, byte[] body,
                           long streamBytes, boolean reset) {
        public Response {
            requireNonNull(contentType, "contentType");
            headers = Map.copyOf(headers);
            requireNonNull(body, "body");
        }

        public Response(int status, String contentType, Map<String, List<String>> headers, byte[] body,
                        long streamBytes) {
            this(status, contentType, headers, body, streamBytes, false);
        }

        /** No response: the connection (or stream) is reset. */
        public static Response resetConnection() {
            return new Response(0, "", Map.of(), new byte[0], -1, true);
        }
    }

    /** Milliseconds to wait before answering, from the {@code delay} query parameter; 0 when absent or invalid. */
    public static long delayMillis(String path) {
        return durationMillis(queryParam(path, "delay"));
    }

    /**
     * The first value of query parameter {@code name} in {@code path} (percent-decoded), or null when absent or
     * not decodable.
     */
    public static String queryParam(String path, String name) {
        int q = path.indexOf('?');
        if (q < 0) {
            return null;
        }
        String prefix = name + "=";
        for (String param : path.substring(q + 1).split("&")) {
            if (param.startsWith(prefix)) {
                try {
                    return java.net.URLDecoder.decode(param.substring(prefix.length()), java.nio.charset.StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /**
     * A duration ({@code 500ms}, {@code 1.5s}, {@code 1m}, or bare milliseconds) in milliseconds, capped at
     * {@link #MAX_DELAY_MILLIS}; 0 when null or invalid.
     */
    public static long durationMillis(String value) {
        if (value == null) {
            return 0;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            long ms;
            if (v.endsWith("ms")) {
                ms = Long.parseLong(v.substring(0, v.length() - 2));
            } else if (v.endsWith("s")) {
                ms = Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000);
            } else if (v.endsWith("m")) {
                ms = Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60_000);
            } else {
                ms = Long.parseLong(v);
            }
            return Math.max(0, Math.min(ms, MAX_DELAY_MILLIS));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Answers one complete request on the connection's event loop: now, or after the delay its path asks for
     * ({@link #delayMillis}); {@code send} gets the answer. A request in the retry simulation (see
     * {@link #retrySimulation}) that is to fail gets its failure after {@code delayRetry} instead.
     */
    public void answer(io.netty.util.concurrent.EventExecutor loop, Request req, java.util.function.Consumer<Response> send) {
        Response failure = retrySimulation(req);
        if (failure != null) {
            long d = durationMillis(queryParam(req.path(), "delayRetry"));
            if (d > 0) {
                loop.schedule(() -> send.accept(failure), d, java.util.concurrent.TimeUnit.MILLISECONDS);
            } else {
                send.accept(failure);
            }
            return;
        }
        long delay = delayMillis(req.path());
        if (delay > 0) {
            loop.schedule(() -> send.accept(respond(req)), delay, java.util.concurrent.TimeUnit.MILLISECONDS);
        } else {
            send.accept(respond(req));
        }
    }

    /**
     * The request's headers as the echo reports them: names lower-cased, values in order, and the names
     * {@code skip} rejects (HTTP/2 pseudo-headers, say) left out.
     */
    public static Map<String, List<String>> headerMap(Iterable<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> headers,
                                                      java.util.function.Predicate<String> skip) {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<? extends CharSequence, ? extends CharSequence> h : headers) {
            String name = h.getKey().toString().toLowerCase(java.util.Locale.ROOT);
            if (!skip.test(name)) out.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(h.getValue().toString());
        }
        return out;
    }

    /**
     * The retry simulation, for a request whose query has {@code succeedAfter=N} (and {@code uuid=ID}, which
     * names the logical request across the gateway's attempts): the first N attempts with that uuid fail, every
     * later one is answered as usual. A failure is a response with status {@code responseCode} when the query has
     * one, else a reset of the connection. Returns the failure to send (recording the attempt), a 400 when the
     * parameters are wrong, or null when this attempt is answered as usual.
     */
    Response retrySimulation(Request req) {
        String succeedAfter = queryParam(req.path(), "succeedAfter");
        if (succeedAfter == null) {
            return null;
        }
        Map<String, List<String>> extra = extraHeaders(req.headers());
        int n;
        try {
            n = Integer.parseInt(succeedAfter.trim());
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0) {
            return error(extra, "echo: retry simulation: succeedAfter wants a number >= 0, got " + succeedAfter);
        }
        String uuid = queryParam(req.path(), "uuid");
        if (uuid == null || uuid.isBlank()) {
            return error(extra, "echo: retry simulation: succeedAfter needs a uuid query parameter");
        }
        String code = queryParam(req.path(), "responseCode");
        int status = -1;
        if (code != null) {
            try {
                status = Integer.parseInt(code.trim());
            } catch (NumberFormatException e) {
                status = -1;
            }
            if (status < 200 || status > 599) {
                return error(extra, "echo: retry simulation: responseCode wants a status 200..599, got " + code);
            }
        }
        int attempt;
        synchronized (retryAttempts) {
            int failed = retryAttempts.getOrDefault(uuid, 0);
            if (failed >= n) {
                return null;
            }
            attempt = failed + 1;
            retryAttempts.put(uuid, attempt);
        }
        ObjectNode json = describe(req);
        json.put("retryAttempt", attempt);
        json.put("retryFailure", status < 0 ? "reset" : String.valueOf(status));
        remember(json);
        if (status < 0) {
            return Response.resetConnection();
        }
        byte[] body = (status == 204 || status == 304) ? new byte[0] : bytes(json);
        return new Response(status, "application/json", extra, body, -1);
    }

    /** Computes the answer for one complete request (records it unless it asked for the request log). */
    public Response respond(Request req) {
        String pathOnly = req.path();
        int q = pathOnly.indexOf('?');
        if (q >= 0) {
            pathOnly = pathOnly.substring(0, q);
        }
        Map<String, List<String>> extra = extraHeaders(req.headers());
        if (pathOnly.equals("/.echo/requests")) {
            ArrayNode all = JSON.createArrayNode();
            synchronized (seen) {
                seen.forEach(all::add);
            }
            return new Response(200, "application/json", extra, bytes(all), -1);
        }
        ObjectNode json = describe(req);
        remember(json);
        if (pathOnly.startsWith("/bytes/")) {
            try {
                long n = Long.parseLong(pathOnly.substring("/bytes/".length()));
                if (n >= 0) {
                    return new Response(200, "application/octet-stream", extra, new byte[0], n);
                }
            } catch (NumberFormatException e) {
                // fall through to the 400 below
            }
            return error(extra, "echo: /bytes/N wants a non-negative number, got " + pathOnly);
        }
        int status = 200;
        if (pathOnly.startsWith("/status/")) {
            try {
                status = Integer.parseInt(pathOnly.substring("/status/".length()));
            } catch (NumberFormatException e) {
                status = -1;
            }
            if (status < 200 || status > 599) {
                return error(extra, "echo: /status/NNN wants a status 200..599, got " + pathOnly);
            }
        }
        byte[] body = (status == 204 || status == 304) ? new byte[0] : bytes(json);
        return new Response(status, "application/json", extra, body, -1);
    }

    /**
     * The first message on an accepted WebSocket: the description of the upgrade request
     * ({@code name, namespace, method, path, host, proto, headers, ..., websocket: true}); recorded like a request.
     */
    public byte[] webSocketHello(Request req) {
        ObjectNode json = describe(req);
        json.put("websocket", true);
        synchronized (seen) {
            seen.addLast(json);
            while (seen.size() > MAX_REQUESTS) {
                seen.removeFirst();
            }
        }
        return bytes(json);
    }

    private void remember(ObjectNode json) {
        synchronized (seen) {
            seen.addLast(json);
            while (seen.size() > MAX_REQUESTS) {
                seen.removeFirst();
            }
        }
    }

    private Response error(Map<String, List<String>> extra, String message) {
        ObjectNode err = JSON.createObjectNode().put("error", message);
        return new Response(400, "application/json", extra, bytes(err), -1);
    }

    private ObjectNode describe(Request req) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", name);
        o.put("namespace", namespace);
        o.put("method", req.method());
        o.put("path", req.path());
        o.put("host", req.host());
        o.put("proto", req.proto());
        ObjectNode h = o.putObject("headers");
        req.headers().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> {
                    ArrayNode values = h.putArray(e.getKey());
                    e.getValue().forEach(values::add);
                });
        o.put("bodyLength", req.bodyLength());
        o.put("remote", req.remote());
        return o;
    }

    /** Parses {@code X-Echo-Set-Header: k:v,k2:v2} (any number of such headers). */
    static Map<String, List<String>> extraHeaders(Map<String, List<String>> headers) {
        List<String> specs = headers.getOrDefault("x-echo-set-header", List.of());
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String spec : specs) {
            for (String pair : spec.split(",")) {
                int colon = pair.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String k = pair.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String v = pair.substring(colon + 1).trim();
                if (!k.isEmpty()) {
                    out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
                }
            }
        }
        return out;
    }

    /** The requests seen so far, oldest first. */
    public List<JsonNode> requests() {
        synchronized (seen) {
            List<JsonNode> copy = new ArrayList<>(seen.size());
            seen.forEach(n -> copy.add(n.deepCopy()));
            return List.copyOf(copy);
        }
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("echo: cannot write JSON: " + e.getMessage(), e);
        }
    }
}
