package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import dev.lattice.control.ProxyId;
import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.BackendTlsPolicy;
import dev.lattice.model.ConfigMap;
import dev.lattice.model.GatewayClass;
import dev.lattice.model.HttpRoute;
import dev.lattice.model.Lines;
import dev.lattice.model.Problem;
import dev.lattice.model.ResourceKey;
import dev.lattice.model.Service;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * BackendTLSPolicy: which Service ports the proxies reach over TLS, with what trust, SNI and names, and each policy's
 * status (one ancestor per Lattice Gateway whose routes use a targeted Service port).
 *
 * <ul>
 *   <li>A target is a core Service in the policy's namespace, all its ports or the one named by {@code sectionName};
 *       one that does not exist is Accepted=False TargetNotFound.</li>
 *   <li>Two policies on the same Service and sectionName (or both without): the older by creationTimestamp, then by
 *       name, applies; the other is Accepted=False Conflicted (GEP-713). A policy naming the port beats one naming
 *       the whole Service on that port; both are Accepted.</li>
 *   <li>caCertificateRefs: a ConfigMap (else ResolvedRefs=False InvalidKind) with PEM certificates under
 *       {@code ca.crt} (else InvalidCACertificateRef); every valid one is trusted. When none is valid the policy is
 *       Accepted=False NoValidCACertificate, and so is a wellKnownCACertificates other than System (Invalid).</li>
 *   <li>A port whose applying policy is not usable (no valid CA) gets a cluster with no endpoints: its requests
 *       fail with 503, never go out in plain text. A TLS port's endpoints are the Workloads' app ports, sidecar or not
 *       (a sidecar's inbound listener speaks plain HTTP).</li>
 *   <li>xDS: the cluster's transport_socket UpstreamTlsContext with {@code sni} = hostname, trusted_ca inline (or
 *       system_root_certs), match_typed_subject_alt_names = the subjectAltNames, else the hostname as a DNS name,
 *       and ALPN h2 (h2c clusters) or http/1.1; a Gateway whose spec.tls.backend.clientCertificateRef resolves adds
 *       its certificate and key inline as common_tls_context.tls_certificates on its own proxy's TLS clusters.</li>
 * </ul>
 */
final class BackendTls {
    /** What a Service port gets: TLS, or {@code broken} (a policy applies but cannot be used). */
    record Applied(BackendTlsPolicy policy, Ir.UpstreamTls tls, boolean broken) {}

    private record Bad(String reason, String message) {}

    /** What one policy comes to. */
    private static final class Outcome {
        final BackendTlsPolicy policy;
        final List<String> targetClusters = new ArrayList<>();
        String acceptedReason = "Accepted";
        String acceptedMessage = "Accepted by " + GatewayClass.LATTICE_CONTROLLER;
        Bad badRef;
        Ir.UpstreamTls tls;

        Outcome(BackendTlsPolicy policy) {
            this.policy = policy;
        }
    }

    private final MeshIndex index;
    private final List<Problem> problems;
    private final Map<ResourceKey, Outcome> outcomes = new TreeMap<>(java.util.Comparator.comparing(ResourceKey::toString));
    /** "namespace/service/port" → what applies there. */
    private final Map<String, Applied> byPort = new HashMap<>();

    BackendTls(MeshIndex index, List<Problem> problems) {
        this.index = index;
        this.problems = problems;
        List<BackendTlsPolicy> policies = new ArrayList<>(index.backendTlsPolicies);
        // oldest first: the first to claim a Service (and sectionName) keeps it
        policies.sort((a, b) -> a == b ? 0 : Precedence.older(a.meta(), b.meta()) ? -1 : 1);
        Map<String, BackendTlsPolicy> claims = new HashMap<>();
        Map<String, Applied> whole = new HashMap<>();
        Map<String, Applied> named = new HashMap<>();
        for (BackendTlsPolicy p : policies) {
            Outcome o = evaluate(p);
            outcomes.put(p.key(), o);
            boolean conflicted = false;
            List<Runnable> apply = new ArrayList<>();
            for (int i = 0; i < p.targetRefs().size(); i++) {
                BackendTlsPolicy.TargetRef t = p.targetRefs().get(i);
                Service s = t.isService() ? index.service(p.meta().namespace(), t.name()) : null;
                if (s == null) continue;
                String claim = p.meta().namespace() + "/" + t.name() + "#" + (t.sectionName() == null ? "" : t.sectionName());
                BackendTlsPolicy holder = claims.putIfAbsent(claim, p);
                if (holder != null && holder != p) {
                    conflicted = true;
                    problems.add(Lines.problem(index.resource(p), "spec.targetRefs[" + i + "]", "conflicts with BackendTLSPolicy "
                            + holder.meta().namespace() + "/" + holder.meta().name() + ", which is older and applies (Conflicted)"));
                    continue;
                }
                for (Service.Port port : s.ports()) {
                    if (t.sectionName() != null && !t.sectionName().equals(port.name())) continue;
                    String key = RouteResolution.clusterName(s.meta().namespace(), s.meta().name(), port.port());
                    Map<String, Applied> target = t.sectionName() == null ? whole : named;
                    apply.add(() -> target.putIfAbsent(key, new Applied(p, o.tls, o.tls == null)));
                }
            }
            if (conflicted) {
                o.acceptedReason = "Conflicted";
                o.acceptedMessage = "another BackendTLSPolicy, older (or of an earlier name), targets the same Service and sectionName";
            } else {
                apply.forEach(Runnable::run);
            }
        }
        byPort.putAll(whole);
        byPort.putAll(named);
    }

    /** The policy's targets, refs and Accepted reason, before conflicts. */
    private Outcome evaluate(BackendTlsPolicy p) {
        Outcome o = new Outcome(p);
        String ns = p.meta().namespace();
        int found = 0;
        for (int i = 0; i < p.targetRefs().size(); i++) {
            BackendTlsPolicy.TargetRef t = p.targetRefs().get(i);
            String path = "spec.targetRefs[" + i + "]";
            if (!t.isService()) {
                problems.add(Lines.problem(index.resource(p), path, "a BackendTLSPolicy targets core Services, not "
                        + (t.group().isEmpty() ? "" : t.group() + "/") + t.kind()));
                continue;
            }
            Service s = index.service(ns, t.name());
            if (s == null) {
                problems.add(Lines.problem(index.resource(p), path, "Service " + ns + "/" + t.name() + " not found"));
                continue;
            }
            boolean any = false;
            for (Service.Port port : s.ports()) {
                if (t.sectionName() != null && !t.sectionName().equals(port.name())) continue;
                any = true;
                String c = RouteResolution.clusterName(ns, t.name(), port.port());
                o.targetClusters.add(c);
                o.targetClusters.add(c + GrpcRoutes.H2C_SUFFIX);
            }
            if (!any) {
                problems.add(Lines.problem(index.resource(p), path + ".sectionName", "Service " + ns + "/" + t.name()
                        + " has no port named \"" + t.sectionName() + "\""));
                continue;
            }
            found++;
        }
        StringBuilder pem = new StringBuilder();
        for (int i = 0; i < p.caCertificateRefs().size(); i++) {
            BackendTlsPolicy.CaRef ref = p.caCertificateRefs().get(i);
            String what = (ref.group().isEmpty() ? "" : ref.group() + "/") + ref.kind() + " " + ns + "/" + ref.name();
            Bad bad = null;
            if (!ref.isConfigMap()) {
                bad = new Bad("InvalidKind", "caCertificateRefs[" + i + "]: " + what + ": unsupported kind (a core ConfigMap with "
                        + ConfigMap.CA_CRT + ")");
            } else {
                ConfigMap cm = index.configMaps.get(ns + "/" + ref.name());
                String ca = cm == null ? null : cm.data().get(ConfigMap.CA_CRT);
                String wrong = cm == null ? "not found (or not valid)" : ca == null ? "has no key " + ConfigMap.CA_CRT
                        : Secrets.checkCertificates(ca, ConfigMap.CA_CRT);
                if (wrong != null) {
                    bad = new Bad("InvalidCACertificateRef", "caCertificateRefs[" + i + "]: " + what + ": " + wrong);
                } else {
                    pem.append(ca.endsWith("\n") ? ca : ca + "\n");
                }
            }
            if (bad != null) {
                if (o.badRef == null) o.badRef = bad;
                String detail = bad.message().substring(bad.message().indexOf(": ") + 2);
                problems.add(Lines.problem(index.resource(p), "spec.validation.caCertificateRefs[" + i + "]",
                        detail + " (" + bad.reason() + ")"));
            }
        }
        List<Ir.San> sans = new ArrayList<>();
        for (BackendTlsPolicy.SubjectAltName san : p.subjectAltNames()) {
            sans.add(new Ir.San(san.type() == BackendTlsPolicy.SanType.URI, san.value()));
        }
        if (sans.isEmpty()) sans.add(new Ir.San(false, p.hostname()));
        if (found == 0) {
            o.acceptedReason = "TargetNotFound";
            o.acceptedMessage = "no targetRef names an existing Service (and port)";
        }
        if (p.wellKnownCaCertificates() != null) {
            if (p.wellKnownCaCertificates().equals(BackendTlsPolicy.SYSTEM)) {
                o.tls = new Ir.UpstreamTls(p.hostname(), null, sans);
            } else if (found > 0) {
                o.acceptedReason = "Invalid";
                o.acceptedMessage = "wellKnownCACertificates \"" + p.wellKnownCaCertificates() + "\" is not supported (System is)";
                problems.add(Lines.problem(index.resource(p), "spec.validation.wellKnownCACertificates", o.acceptedMessage));
            }
        } else if (!pem.isEmpty()) {
            o.tls = new Ir.UpstreamTls(p.hostname(), pem.toString(), sans);
        } else if (found > 0) {
            o.acceptedReason = "NoValidCACertificate";
            o.acceptedMessage = "no caCertificateRef is valid: " + (o.badRef == null ? "none given" : o.badRef.message());
        }
        return o;
    }

    /** What applies to a Service port: null when no policy does. */
    Applied forPort(Service s, Service.Port p) {
        return byPort.get(RouteResolution.clusterName(s.meta().namespace(), s.meta().name(), p.port()));
    }

    /** Each policy's status: one ancestor per Lattice Gateway whose proxy has a cluster of a targeted Service port. */
    void statuses(Map<ProxyId, Ir.Proxy> proxies, Map<ResourceKey, ObjectNode> statuses) {
        for (Outcome o : outcomes.values()) {
            Set<String> targets = new LinkedHashSet<>(o.targetClusters);
            ArrayNode ancestors = Status.JSON.arrayNode();
            for (Ir.Proxy proxy : proxies.values()) {
                if (proxy.id().role() != ProxyId.Role.GATEWAY) continue;
                if (proxy.clusters().stream().noneMatch(c -> targets.contains(c.name()))) continue;
                ObjectNode a = Status.JSON.objectNode();
                ObjectNode ref = a.putObject("ancestorRef");
                ref.put("group", HttpRoute.GROUP);
                ref.put("kind", "Gateway");
                ref.put("namespace", proxy.id().namespace());
                ref.put("name", proxy.id().name());
                a.put("controllerName", GatewayClass.LATTICE_CONTROLLER);
                long gen = o.policy.meta().generation();
                boolean accepted = o.acceptedReason.equals("Accepted");
                a.set("conditions", Status.array(
                        Status.condition("Accepted", accepted, o.acceptedReason, o.acceptedMessage, gen),
                        o.badRef == null
                                ? Status.condition("ResolvedRefs", true, "ResolvedRefs", "All references resolved", gen)
                                : Status.condition("ResolvedRefs", false, o.badRef.reason(), o.badRef.message(), gen)));
                ancestors.add(a);
            }
            ObjectNode st = Status.JSON.objectNode();
            st.set("ancestors", ancestors);
            statuses.put(o.policy.key(), st);
        }
    }

    /** The cluster's transport_socket (docs/xds.md, "Cluster: upstream TLS"). */
    static TransportSocket transportSocket(Ir.UpstreamTls tls, boolean h2) {
        CertificateValidationContext.Builder v = CertificateValidationContext.newBuilder();
        if (tls.trustedCaPem() == null) {
            v.setSystemRootCerts(CertificateValidationContext.SystemRootCerts.getDefaultInstance());
        } else {
            v.setTrustedCa(DataSource.newBuilder().setInlineString(tls.trustedCaPem()));
        }
        for (Ir.San san : tls.subjectAltNames()) {
            v.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                    .setSanType(san.uri() ? SubjectAltNameMatcher.SanType.URI : SubjectAltNameMatcher.SanType.DNS)
                    .setMatcher(StringMatcher.newBuilder().setExact(san.value())));
        }
        CommonTlsContext.Builder common = CommonTlsContext.newBuilder().addAlpnProtocols(h2 ? "h2" : "http/1.1");
        if (tls.clientCertificate() != null) {
            // the Gateway's spec.tls.backend.clientCertificateRef, inline as a listener's certificates are
            common.addTlsCertificates(TlsCertificate.newBuilder()
                    .setCertificateChain(DataSource.newBuilder().setInlineString(tls.clientCertificate().chainPem()))
                    .setPrivateKey(DataSource.newBuilder().setInlineString(tls.clientCertificate().keyPem())));
        }
        UpstreamTlsContext ctx = UpstreamTlsContext.newBuilder().setSni(tls.sni())
                .setCommonTlsContext(common.setValidationContext(v)).build();
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(ctx)).build();
    }
}
