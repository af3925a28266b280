package dev.lattice.control.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.model.Gateway;
import dev.lattice.model.ObjectMeta;
import dev.lattice.model.PolicyTargetRef;
import dev.lattice.model.Resource;
import dev.lattice.model.ResourceKey;
import dev.lattice.model.ResourceLoader;
import dev.lattice.model.Workload;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The route-level attachment path: which policy of a kind governs each route site. */
class RoutePoliciesTest {
    /** A stand-in policy kind: only its metadata and targets matter to the path. */
    record Pol(ObjectMeta meta, List<PolicyTargetRef> refs) {}

    static final String KIND = "AuthorizationPolicy"; // any kind the loader knows: only its raw targetRefs are read
    static final ResourceKey ROUTE = new ResourceKey("HTTPRoute", "default", "books");

    static Pol pol(String name, String created, PolicyTargetRef... refs) {
        return new Pol(new ObjectMeta(name, "default", Map.of(), Map.of(), 1, created), List.of(refs));
    }

    static PolicyTargetRef gw(String section) {
        return new PolicyTargetRef(PolicyTargetRef.GATEWAY_GROUP, "Gateway", "gw", section);
    }

    static PolicyTargetRef route(String section) {
        return new PolicyTargetRef(PolicyTargetRef.GATEWAY_GROUP, "HTTPRoute", "books", section);
    }

    static final MeshIndex INDEX = new MeshIndex(MeshTranslatorTest.load(MeshMtlsTranslationTest.BASE + """
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw}
            spec:
              gatewayClassName: lattice
              listeners: [{name: http, port: 80, protocol: HTTP}, {name: admin, port: 81, protocol: HTTP}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: books}
            spec:
              parentRefs: [{name: gw}]
              rules:
              - name: read
                backendRefs: [{name: books, port: 9080}]
              - backendRefs: [{name: books, port: 9080}]
            """));

    static RoutePolicies<Pol> policies(List<Pol> ps, List<Resource> rejected) {
        return new RoutePolicies<>(INDEX, KIND, ps, Pol::meta, Pol::refs, rejected);
    }

    static Gateway gateway() {
        return INDEX.gateway("default", "gw");
    }

    static Workload books() {
        return INDEX.workloads.stream().filter(w -> w.meta().name().equals("books-v1")).findFirst().orElseThrow();
    }

    @Test
    void theMostSpecificAttachmentWinsRuleThenRouteThenListenerThenGateway() {
        Pol onGateway = pol("gateway", "2026-01-01T00:00:00Z", gw(null));
        Pol onListener = pol("listener", "2026-01-02T00:00:00Z", gw("http"));
        Pol onRoute = pol("route", "2026-01-03T00:00:00Z", route(null));
        Pol onRule = pol("rule", "2026-01-04T00:00:00Z", route("read"));
        RoutePolicies<Pol> all = policies(List.of(onGateway, onListener, onRoute, onRule), List.of());
        RouteSite readOnHttp = RouteSite.gateway(gateway(), Set.of("http"), ROUTE, "read");
        RouteSite unnamedOnHttp = RouteSite.gateway(gateway(), Set.of("http"), ROUTE, null);
        RouteSite unnamedOnAdmin = RouteSite.gateway(gateway(), Set.of("admin"), ROUTE, null);
        assertThat(all.at(readOnHttp).policy()).isSameAs(onRule);
        assertThat(all.at(unnamedOnHttp).policy()).isSameAs(onRoute);
        RoutePolicies<Pol> noRoutePolicies = policies(List.of(onGateway, onListener), List.of());
        assertThat(noRoutePolicies.at(unnamedOnHttp).policy()).isSameAs(onListener);
        assertThat(noRoutePolicies.at(unnamedOnAdmin).policy()).isSameAs(onGateway);
        // a GAMMA site has no Gateway: only route targets count; an inbound sidecar: only Service/Workload targets
        assertThat(noRoutePolicies.at(RouteSite.mesh(ROUTE, null)).none()).isTrue();
        assertThat(all.at(RouteSite.mesh(ROUTE, "read")).policy()).isSameAs(onRule);
        assertThat(all.at(RouteSite.inbound(books())).none()).isTrue();
        // another route of the same name in another kind or namespace is not targeted
        assertThat(all.at(RouteSite.mesh(new ResourceKey("GRPCRoute", "default", "books"), null)).none()).isTrue();
        assertThat(all.at(RouteSite.mesh(new ResourceKey("HTTPRoute", "other", "books"), null)).none()).isTrue();
        assertThat(all.conflicted()).isEmpty();
    }

    @Test
    void serviceAndWorkloadTargetsGovernTheInboundSidecarAndTiesGoToTheOldest() {
        Pol older = pol("older", "2026-01-01T00:00:00Z", new PolicyTargetRef("", "Service", "books", null));
        Pol newer = pol("newer", "2026-02-01T00:00:00Z", new PolicyTargetRef("", "Service", "books", null));
        RoutePolicies<Pol> ps = policies(List.of(older, newer), List.of());
        assertThat(ps.at(RouteSite.inbound(books())).policy()).isSameAs(older);
        assertThat(ps.conflicted()).containsExactly(newer);
        Pol workload = pol("workload", "2026-03-01T00:00:00Z", new PolicyTargetRef(PolicyTargetRef.LATTICE_GROUP, "Workload", "books-v1", null));
        assertThat(policies(List.of(older, newer, workload), List.of()).at(RouteSite.inbound(books())).policy()).isSameAs(workload);
    }

    @Test
    void aBrokenPolicyWithoutALastGoodVersionFailsClosedWhereItMayHaveMeantToAttach() {
        Resource broken = ResourceLoader.load("p.yaml", """
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: broken}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: books, sectionName: read}]
                  nonsense: 1
                """).objects().get(0).resource();
        Pol valid = pol("valid", "2026-01-01T00:00:00Z", gw(null));
        RoutePolicies<Pol> ps = policies(List.of(valid), List.of(broken));
        RoutePolicies.Effective<Pol> read = ps.at(RouteSite.gateway(gateway(), Set.of("http"), ROUTE, "read"));
        assertThat(read.broken()).isSameAs(broken);
        assertThat(read.policy()).isNull();
        assertThat(ps.at(RouteSite.gateway(gateway(), Set.of("http"), ROUTE, null)).policy()).isSameAs(valid);
        // with a last good version (a valid policy of the same key) that version keeps serving
        Pol lastGood = pol("broken", "2026-01-01T00:00:00Z", route("read"));
        assertThat(policies(List.of(lastGood), List.of(broken)).at(RouteSite.gateway(gateway(), Set.of("http"), ROUTE, "read")).policy())
                .isSameAs(lastGood);
        // unreadable targetRefs: anything in its namespace
        Resource unreadable = ResourceLoader.load("q.yaml", """
                apiVersion: lattice.dev/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: unreadable}
                spec: {targetRefs: 7}
                """).objects().get(0).resource();
        assertThat(policies(List.of(), List.of(unreadable)).at(RouteSite.inbound(books())).broken()).isSameAs(unreadable);
    }

    @Test
    void routeTargetsAreFoundByRuleName() {
        PolicyTargets targets = new PolicyTargets(INDEX);
        assertThat(targets.missing("default", route("read"))).isNull();
        assertThat(targets.missing("default", route(null))).isNull();
        assertThat(targets.missing("default", route("write"))).isEqualTo("HTTPRoute default/books (sectionName write) not found");
        assertThat(targets.missing("default", new PolicyTargetRef(PolicyTargetRef.GATEWAY_GROUP, "GRPCRoute", "books", null)))
                .isEqualTo("GRPCRoute default/books not found");
    }
}
