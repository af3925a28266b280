package dev.lattice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lattice.control.MeshSnapshot;
import dev.lattice.control.ProxyId;
import dev.lattice.control.local.PortPlacer;
import dev.lattice.control.source.DirectorySource;
import dev.lattice.control.source.SourceState;
import dev.lattice.control.translate.MeshTranslation;
import dev.lattice.control.translate.MeshTranslator;
import dev.lattice.control.translate.ProxyXds;
import dev.lattice.model.MeshObject;
import dev.lattice.model.Models;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import dev.lattice.model.ResourceLoader;
import dev.lattice.model.Service;
import dev.lattice.model.Workload;
import dev.lattice.proxy.filter.StaticRequest;
import dev.lattice.proxy.filter.rbac.RbacCheck;
import dev.lattice.proxy.xds.XdsRejection;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lattice authz}: authorization tools. */
@Command(name = "authz", description = "Authorization tools.", subcommands = AuthzCommand.Check.class)
public final class AuthzCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /**
     * {@code lattice authz check --from SPIFFE_ID --to SERVICE[.NS] METHOD PATH [-H k:v] [--jwt TOKEN | --claims JSON]}:
     * translates the mesh as the control plane would and evaluates the destination sidecar's own RBAC filters on the
     * request (with an end user's verified claims when given), with the proxy's engine; prints ALLOW or DENY and the
     * policy that decided. Exit 0 for ALLOW, 1 for DENY, 2 for bad input.
     */
    @Command(name = "check", description = {
            "Evaluate the authorization policies as the destination's sidecar would, for a request from --from to --to; "
                    + "print ALLOW or DENY with the policy that decided (exit 0 ALLOW, 1 DENY, 2 bad input).",
            "The mesh is read from --dir, else from the running control plane (--admin); -f adds or replaces "
                    + "objects, to try a policy before applying it."})
    public static final class Check implements Callable<Integer> {
        @Option(names = "--from", paramLabel = "SPIFFE_ID",
                description = "the caller's identity (spiffe://TD/ns/NS/sa/SA, or without spiffe://); omitted: a caller without an identity (plaintext)")
        String from;

        @Option(names = "--to", required = true, paramLabel = "SERVICE[.NS]", description = "the destination Service (namespace default unless given)")
        String to;

        @Parameters(index = "0", paramLabel = "METHOD", description = "the request method, e.g. GET")
        String method;

        @Parameters(index = "1", paramLabel = "PATH", description = "the request path, with the query if any")
        String path;

        @Option(names = {"-H", "--header"}, paramLabel = "NAME:VALUE", description = "a request header (repeatable)")
        List<String> headers = new ArrayList<>();

        @Option(names = "--jwt", paramLabel = "TOKEN", description = "an end-user JWT the request carries: its claims "
                + "count as verified by the sidecar's JWTPolicy (requestPrincipals iss/sub, request.auth.*); its signature "
                + "is not checked here")
        String jwt;

        @Option(names = "--claims", paramLabel = "JSON", description = "instead of --jwt: the verified token's claims as "
                + "a JSON object, e.g. '{\"iss\":\"https://issuer.example\",\"sub\":\"alice\"}'")
        String claims;

        @Option(names = "--port", paramLabel = "PORT", description = "the Service port (default: its first)")
        Integer port;

        @Option(names = "--source-ip", paramLabel = "IP", description = "the caller's address (default 127.0.0.1)")
        String sourceIp = "127.0.0.1";

        @Option(names = "--dir", paramLabel = "DIR", description = "read the mesh from the YAML under DIR (as lattice up does)")
        Path dir;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "YAML objects to add or replace (repeatable)")
        List<Path> files = new ArrayList<>();

        @Option(names = "--admin", description = "admin API HOST:PORT when --dir is not given (default: $LATTICE_ADMIN or 127.0.0.1:15014)")
        String admin;

        @Override
        public Integer call() {
            try {
                return check();
            } catch (BadInput e) {
                System.out.println("lattice authz check: " + e.getMessage());
                return 2;
            }
        }

        private int check() throws BadInput {
            Map<String, String> hs = new LinkedHashMap<>();
            for (String h : headers) {
                int c = h.indexOf(':');
                if (c <= 0) throw new BadInput("-H " + h + ": expected NAME:VALUE");
                hs.merge(h.substring(0, c).trim(), h.substring(c + 1).trim(), (a, b) -> a + "," + b);
            }
            String principal = from == null || from.isEmpty() ? null : from.startsWith("spiffe://") ? from : "spiffe://" + from;
            dev.lattice.proxy.filter.RequestAuth auth = endUser();
            InetAddress source;
            try {
                if (!sourceIp.matches("[0-9a-fA-F:.]+")) throw new IOException("not an IP address");
                source = InetAddress.getByName(sourceIp);
            } catch (IOException e) {
                throw new BadInput("--source-ip " + sourceIp + ": not an IP address");
            }
            String svcName = to;
            String ns = "default";
            int dot = to.indexOf('.');
            if (dot > 0) {
                svcName = to.substring(0, dot);
                ns = to.substring(dot + 1);
            }

            Mesh m = load();
            Service svc = null;
            List<Workload> workloads = new ArrayList<>();
            for (MeshObject o : Models.readAll(m.resources)) {
                if (o instanceof Service s && s.meta().name().equals(svcName) && s.meta().namespace().equals(ns)) svc = s;
                if (o instanceof Workload w) workloads.add(w);
            }
            if (svc == null) throw new BadInput("--to " + to + ": no Service " + ns + "/" + svcName);
            Service.Port sp = null;
            for (Service.Port p : svc.ports()) {
                if (port == null || p.port() == port) {
                    sp = p;
                    break;
                }
            }
            if (sp == null) throw new BadInput("--port " + port + ": Service " + ns + "/" + svcName + " has no such port");

            var requests = MeshTranslator.proxies(m.resources);
            MeshTranslation t = MeshTranslator.translate(new MeshSnapshot(1, m.resources, m.problems,
                    new PortPlacer().place(requests), m.rejected));
            String authority = svcName + "." + ns + ":" + sp.port();
            int results = 0;
            int denied = 0;
            final Service service = svc;
            boolean several = workloads.stream().filter(service::selects).count() > 1;
            for (Workload w : workloads) {
                if (!service.selects(w)) continue;
                Integer appPort = sp.targetOn(w);
                if (appPort == null) continue;
                String who = "Workload " + ns + "/" + w.meta().name();
                if (!w.sidecar().inject()) {
                    System.out.println("ALLOW  (" + who + " has no sidecar: nothing enforces policy there)");
                    results++;
                    continue;
                }
                ProxyXds x = t.proxies().get(new ProxyId(ProxyId.Role.SIDECAR, ns, w.meta().name()));
                Listener l = x == null ? null : x.listeners().stream()
                        .filter(li -> li.getName().equals("inbound/" + appPort)).findFirst().orElse(null);
                if (l == null) continue;
                List<HttpFilter> filters;
                try {
                    filters = l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class)
                            .getHttpFiltersList();
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new IllegalStateException("the inbound listener's HCM: " + e, e);
                }
                StaticRequest plain = new StaticRequest(method, path, authority, appPort, source, principal, null, hs);
                dev.lattice.proxy.filter.RequestView r = auth == null ? plain : plain.withAuth(auth);
                RbacCheck.Verdict v;
                try {
                    v = RbacCheck.evaluate(l.getName(), filters, r);
                } catch (XdsRejection e) {
                    System.out.println("DENY   (the sidecar would reject its own config: " + e.getMessage() + ")");
                    denied++;
                    results++;
                    continue;
                }
                results++;
                String suffix = several ? "  [" + who + "]" : "";
                if (v.allowed()) {
                    System.out.println("ALLOW  (" + (v.policy() != null ? v.policy() : "no ALLOW policy applies, none denies") + ")" + suffix);
                } else {
                    denied++;
                    System.out.println("DENY   (" + (v.policy() != null ? v.policy() : "no ALLOW policy matched") + ")" + suffix);
                }
                for (String d : v.dryRunDenials()) System.out.println("       dry run would deny: " + d);
                for (String a : v.audits()) System.out.println("       audited by: " + a);
            }
            if (results == 0) throw new BadInput("--to " + to + ": no Workload serves port " + sp.port() + " of Service " + ns + "/" + svcName);
            for (Problem p : m.problems) {
                if (p.kind().equals("AuthorizationPolicy")) System.out.println("note: " + p);
            }
            return denied > 0 ? 1 : 0;
        }

        /** What --jwt or --claims says a JWT filter verified, or null when neither is given. */
        private dev.lattice.proxy.filter.RequestAuth endUser() throws BadInput {
            if (jwt != null && claims != null) throw new BadInput("--jwt and --claims: give one of them");
            com.nimbusds.jwt.JWTClaimsSet c;
            if (jwt != null) {
                try {
                    c = com.nimbusds.jwt.JWTParser.parse(jwt.startsWith("Bearer ") ? jwt.substring(7).trim() : jwt.trim()).getJWTClaimsSet();
                } catch (java.text.ParseException e) {
                    throw new BadInput("--jwt: not a JWT (" + e.getMessage() + ")");
                }
                if (c == null) throw new BadInput("--jwt: an encrypted JWT; give its claims with --claims");
            } else if (claims != null) {
                try {
                    c = com.nimbusds.jwt.JWTClaimsSet.parse(claims);
                } catch (java.text.ParseException e) {
                    throw new BadInput("--claims: not a JSON object of claims (" + e.getMessage() + ")");
                }
            } else {
                return null;
            }
            return new dev.lattice.proxy.filter.RequestAuth(c.getIssuer(), c.getSubject(), c.getAudience(), c.getClaims());
        }

        record Mesh(List<Resource> resources, List<Problem> problems, List<Resource> rejected) {}

        private Mesh load() throws BadInput {
            Map<ResourceKey, Resource> byKey = new LinkedHashMap<>();
            Map<ResourceKey, Resource> rejected = new LinkedHashMap<>();
            List<Problem> problems = new ArrayList<>();
            if (dir != null) {
                if (!Files.isDirectory(dir)) throw new BadInput("--dir " + dir + ": not a directory");
                SourceState s = DirectorySource.load(dir);
                s.resources().forEach(r -> byKey.put(r.key(), r));
                s.rejected().forEach(r -> rejected.put(r.key(), r));
                problems.addAll(s.problems());
            } else {
                JsonNode items;
                try {
                    items = AdminClient.of(admin).get("/api/v1/resources", Map.of());
                } catch (AdminClient.AdminException e) {
                    throw new BadInput(e.getMessage() + " (or give --dir DIR)");
                }
                StringBuilder yaml = new StringBuilder();
                YAMLMapper y = new YAMLMapper();
                for (JsonNode item : items) {
                    try {
                        yaml.append(y.writeValueAsString(item));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
                add(ResourceLoader.load("admin API /api/v1/resources", yaml.toString()), byKey, rejected, problems);
            }
            for (Path f : files) {
                String text;
                try {
                    text = Files.readString(f);
                } catch (IOException e) {
                    throw new BadInput("-f " + f + ": " + e.getMessage());
                }
                add(ResourceLoader.load(f.toString(), text), byKey, rejected, problems);
            }
            return new Mesh(List.copyOf(byKey.values()), problems, List.copyOf(rejected.values()));
        }

        private static void add(ResourceLoader.LoadedFile f, Map<ResourceKey, Resource> byKey, Map<ResourceKey, Resource> rejected,
                                List<Problem> problems) {
            problems.addAll(f.allProblems());
            for (ResourceLoader.LoadedObject o : f.objects()) {
                if (o.problems().isEmpty()) {
                    byKey.put(o.resource().key(), o.resource());
                    rejected.remove(o.resource().key());
                } else {
                    rejected.put(o.resource().key(), o.resource());
                }
            }
        }
    }

    static final class BadInput extends Exception {
        BadInput(String message) {
            super(message);
        }
    }
}
