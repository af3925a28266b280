package dev.lattice.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.control.MeshSnapshot;
import dev.lattice.control.MeshTrust;
import dev.lattice.control.ProxyId;
import dev.lattice.control.ProxyPorts;
import dev.lattice.model.MtlsMode;
import dev.lattice.model.Resource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Mesh mTLS in translation: inbound chains by mode and MTLSPolicy precedence, auto mTLS clusters, the ROOTCA secret. */
class MeshMtlsTranslationTest {
    static final String BASE = """
            apiVersion: v1
            kind: Service
            metadata: {name: books}
            spec:
              selector: {app: books}
              ports: [{name: http, port: 9080, targetPort: http}]
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: books-v1, labels: {app: books}}
            spec:
              ports: [{name: http, port: 19080}]
              serviceAccount: books
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: client}
            spec:
              ports: [{name: http, port: 19090}]
              sidecar: {outboundPort: 15001}
            ---
            apiVersion: lattice.dev/v1alpha1
            kind: Workload
            metadata: {name: plain, labels: {app: books}}
            spec:
              ports: [{name: http, port: 19095}]
              sidecar: {inject: false}
            """;
    static final ProxyId BOOKS = new ProxyId(ProxyId.Role.SIDECAR, "default", "books-v1");
    static final ProxyId CLIENT = new ProxyId(ProxyId.Role.SIDECAR, "default", "client");
    static final Map<ProxyId, ProxyPorts> PORTS = Map.of(
            BOOKS, new ProxyPorts(15100, 15101, Map.of(19080, 25080)),
            CLIENT, new ProxyPorts(15000, 15001, Map.of(19090, 25090)));
    static final MeshTrust TRUST = new MeshTrust(true, "cluster.local",
            Map.of("cluster.local", "-----BEGIN CERTIFICATE-----\nroot\n-----END CERTIFICATE-----\n"), MtlsMode.PERMISSIVE);

    static MeshTranslation translate(String extra, MeshTrust trust, List<Resource> rejected) {
        List<Resource> rs = MeshTranslatorTest.load(BASE + extra);
        return MeshTranslator.translate(new MeshSnapshot(1, rs, List.of(), PORTS, rejected, trust));
    }

    static Listener inbound(MeshTranslation t) {
        return t.proxies().get(BOOKS).listeners().stream().filter(l -> l.getName().equals("inbound/19080")).findFirst().orElseThrow();
    }

    static List<String> chains(Listener l) {
        return l.getFilterChainsList().stream().map(c -> c.getName() + ":" + c.getFilterChainMatch().getTransportProtocol()
                + ":" + (c.hasTransportSocket() ? "tls" : "plain")).toList();
    }

    @Test
    void permissiveByDefaultStrictByNamespacePolicyAndTheWorkloadPolicyWins() {
        assertThat(chains(inbound(translate("", TRUST, List.of()))))
                .containsExactly("mtls:tls:tls", "plaintext:raw_buffer:plain");
        String strictNs = """
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: MTLSPolicy
                metadata: {name: ns, creationTimestamp: "2026-01-01T00:00:00Z"}
                spec: {mode: STRICT}
                """;
        assertThat(chains(inbound(translate(strictNs, TRUST, List.of())))).containsExactly("mtls::tls");
        String workloadDisable = strictNs + """
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: MTLSPolicy
                metadata: {name: w, creationTimestamp: "2026-02-01T00:00:00Z"}
                spec:
                  targetRefs: [{kind: Workload, name: books-v1}]
                  mode: DISABLE
                """;
        MeshTranslation t = translate(workloadDisable, TRUST, List.of());
        assertThat(chains(inbound(t))).containsExactly(":" + ":plain");
        // DISABLE: the client reaches books-v1 in plaintext (no mesh match metadata, no transport socket match)
        Cluster books = cluster(t, CLIENT, "default/books/9080");
        assertThat(books.getTransportSocketMatchesCount()).isZero();
        assertThat(books.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).hasMetadata()).isFalse();
    }

    @Test
    void aMeshedEndpointIsReachedByMtlsExpectingItsSpiffeIdAndOthersStayPlain() throws Exception {
        MeshTranslation t = translate("", TRUST, List.of());
        Cluster books = cluster(t, CLIENT, "default/books/9080");
        assertThat(books.getTransportSocketMatchesCount()).isEqualTo(1);
        UpstreamTlsContext u = books.getTransportSocketMatches(0).getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
        assertThat(u.getCommonTlsContext().getCombinedValidationContext().getDefaultValidationContext()
                .getMatchTypedSubjectAltNamesList()).extracting(m -> m.getMatcher().getExact())
                .containsExactly("spiffe://cluster.local/ns/default/sa/books");
        assertThat(u.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName()).isEqualTo("default");
        var eps = books.getLoadAssignment().getEndpoints(0).getLbEndpointsList();
        assertThat(eps).hasSize(2);
        // the sidecar's inbound port is meshed, the Workload without a sidecar is not
        for (var e : eps) {
            int port = e.getEndpoint().getAddress().getSocketAddress().getPortValue();
            assertThat(e.hasMetadata()).as("endpoint port " + port).isEqualTo(port == 25080);
        }
        // every proxy gets ROOTCA with the bundle of each trust domain
        var secrets = t.proxies().get(CLIENT).secrets();
        assertThat(secrets).hasSize(1);
        assertThat(secrets.get(0).getName()).isEqualTo("ROOTCA");
        SPIFFECertValidatorConfig v = secrets.get(0).getValidationContext().getCustomValidatorConfig().getTypedConfig()
                .unpack(SPIFFECertValidatorConfig.class);
        assertThat(v.getTrustDomainsList()).extracting(SPIFFECertValidatorConfig.TrustDomain::getName).containsExactly("cluster.local");
    }

    @Test
    void theMeshHopOfAnHttp1ClusterLetsAlpnChooseHttp2AndAnH2cClusterStaysH2() throws Exception {
        MeshTranslation t = translate("", TRUST, List.of());
        Cluster books = cluster(t, CLIENT, "default/books/9080");
        UpstreamTlsContext u = books.getTransportSocketMatches(0).getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
        assertThat(u.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("h2", "http/1.1");
        var hpo = books.getTypedExtensionProtocolOptionsOrThrow(XdsBuilder.HTTP_PROTOCOL_OPTIONS)
                .unpack(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.class);
        assertThat(hpo.hasAutoConfig()).isTrue();
        assertThat(hpo.getAutoConfig().hasHttpProtocolOptions()).isTrue();
        assertThat(hpo.getAutoConfig().hasHttp2ProtocolOptions()).isTrue();
        assertThat(books.hasHttp2ProtocolOptions()).isFalse();

        // an h2c Service port is h2 on every endpoint already: explicit HTTP/2, ALPN h2 only
        MeshTranslation h2c = MeshTranslator.translate(new MeshSnapshot(1, MeshTranslatorTest.load(BASE.replace(
                "ports: [{name: http, port: 9080, targetPort: http}]",
                "ports: [{name: http, port: 9080, targetPort: http, appProtocol: kubernetes.io/h2c}]")), List.of(), PORTS, List.of(), TRUST));
        Cluster grpc = cluster(h2c, CLIENT, "default/books/9080");
        UpstreamTlsContext g = grpc.getTransportSocketMatches(0).getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
        assertThat(g.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("h2");
        assertThat(grpc.getTypedExtensionProtocolOptionsOrThrow(XdsBuilder.HTTP_PROTOCOL_OPTIONS)
                .unpack(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.class).hasExplicitHttpConfig()).isTrue();

        // no mesh identities: no match, and no auto_config either (plain HTTP/1.1 everywhere)
        Cluster plain = cluster(translate("", MeshTrust.NONE, List.of()),
                CLIENT, "default/books/9080");
        assertThat(plain.getTransportSocketMatchesCount()).isZero();
        assertThat(plain.getTypedExtensionProtocolOptionsMap()).isEmpty();
    }

    @Test
    void aBrokenMtlsPolicyMakesItsNamespaceStrictAndNoIdentitiesMeansNoMtls() {
        Resource cm = MeshTranslatorTest.load("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: x}
                """).get(0);
        Resource rejected = new Resource(new dev.lattice.model.ResourceKey("MTLSPolicy", "default", "bad"),
                "lattice.dev/v1alpha1", cm.source(), cm.object());
        assertThat(chains(inbound(translate("", TRUST, List.of(rejected))))).containsExactly("mtls::tls");
        MeshTranslation none = translate("", MeshTrust.NONE, List.of());
        assertThat(chains(inbound(none))).containsExactly(":" + ":plain");
        assertThat(none.proxies().get(CLIENT).secrets()).isEmpty();
        assertThat(cluster(none, CLIENT, "default/books/9080").getTransportSocketMatchesCount()).isZero();
    }

    static Cluster cluster(MeshTranslation t, ProxyId id, String name) {
        return t.proxies().get(id).clusters().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }
}
