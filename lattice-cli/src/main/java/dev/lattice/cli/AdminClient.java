package dev.lattice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

/** Reads the control plane's admin API (see dev.lattice.control.admin.AdminServer). */
final class AdminClient {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String DEFAULT = "127.0.0.1:15014";

    /** A failure to talk to the admin API, with a message fit for the user. */
    static final class AdminException extends Exception {
        AdminException(String message) {
            super(message);
        }
    }

    private final String address;

    AdminClient(String address) {
        this.address = address;
    }

    /** --admin if given, else $LATTICE_ADMIN, else 127.0.0.1:15014. */
    static AdminClient of(String option) {
        String a = option;
        if (a == null || a.isBlank()) a = System.getenv("LATTICE_ADMIN");
        if (a == null || a.isBlank()) a = DEFAULT;
        a = a.trim().replaceFirst("^https?://", "").replaceFirst("/+$", "");
        return new AdminClient(a);
    }

    String address() {
        return address;
    }

    JsonNode get(String path, Map<String, String> query) throws AdminException {
        StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
        query.forEach((k, v) -> {
            if (v != null) q.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
        URI uri = URI.create("http://" + address + path + q);
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body;
            try {
                body = JSON.readTree(r.body());
            } catch (IOException e) {
                throw new AdminException("the admin API at " + address + " answered " + r.statusCode()
                        + " with something that is not JSON: " + abbreviate(r.body()));
            }
            if (r.statusCode() != 200) {
                throw new AdminException(body.path("error").asText("the admin API at " + address + " answered "
                        + r.statusCode()));
            }
            return body;
        } catch (IOException e) {
            throw new AdminException("cannot reach the admin API at " + address + " (" + e
                    + "); is `lattice up` running? Point at it with --admin HOST:PORT or LATTICE_ADMIN");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminException("interrupted");
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
