package dev.lattice.control.translate;

import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.JwtPolicy;
import dev.lattice.model.Lines;
import dev.lattice.model.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A route's JWTPolicy ({@link RoutePolicies} resolved it) as IR: its providers with their key sets. */
final class JwtIr {
    private JwtIr() {}

    /**
     * A problem for each remoteJWKS.uri of a valid JWTPolicy whose last fetch failed (file:line of the policy, field
     * {@code spec.providers[i].remoteJWKS.uri}), saying whether its last good keys serve or the provider fails closed.
     */
    static void problems(MeshIndex index, dev.lattice.control.MeshSnapshot snapshot, List<Problem> problems) {
        for (JwtPolicy p : index.jwtPolicies) {
            for (int i = 0; i < p.providers().size(); i++) {
                String why = remoteTrouble(p.providers().get(i), snapshot);
                if (why != null && snapshot.remoteJwks(p.providers().get(i).remoteJwksUri()).error() != null) {
                    problems.add(Lines.problem(index.resource(p), "spec.providers[" + i + "].remoteJWKS.uri", why));
                }
            }
        }
    }

    /**
     * What is wrong with a provider's remote JWKS now, or null (inline keys, or fetched and the last attempt fine):
     * not fetched yet, or the last attempt's error with what serves meanwhile.
     */
    static String remoteTrouble(JwtPolicy.Provider v, dev.lattice.control.MeshSnapshot snapshot) {
        if (v.remoteJwksUri() == null) return null;
        dev.lattice.control.RemoteJwks k = snapshot.remoteJwks(v.remoteJwksUri());
        if (k.error() == null) return k.keys() == null ? "provider " + v.name() + ": " + v.remoteJwksUri()
                + " not fetched yet: until it is, the provider refuses every token" : null;
        return "provider " + v.name() + ": fetching " + v.remoteJwksUri() + " failed: " + k.error()
                + (k.keys() != null ? "; its last good keys keep serving" : "; no keys yet: the provider refuses every token");
    }

    /** True when a provider has keys to check tokens with (inline, or fetched at least once). */
    static boolean hasKeys(JwtPolicy.Provider v, dev.lattice.control.MeshSnapshot snapshot) {
        return v.localJwks() != null || snapshot.remoteJwks(v.remoteJwksUri()).keys() != null;
    }

    /**
     * The IR of what governs a route; null when no JWTPolicy does. {@code remoteJwks} gives the last good key set
     * fetched from a URI (null: never fetched, which fails closed).
     */
    static Ir.Jwt of(RoutePolicies.Effective<JwtPolicy> e, Function<String, String> remoteJwks) {
        if (e.none()) return null;
        if (e.broken() != null) {
            return new Ir.Jwt(e.broken().namespace() + "/" + e.broken().name(), List.of(), false, true);
        }
        JwtPolicy p = e.policy();
        List<Ir.JwtProvider> providers = new ArrayList<>();
        for (JwtPolicy.Provider v : p.providers()) {
            String jwks = v.localJwks() != null ? v.localJwks() : remoteJwks.apply(v.remoteJwksUri());
            providers.add(new Ir.JwtProvider(v.name(), v.issuer(), v.audiences(), jwks,
                    v.extractFrom().headers().stream().map(h -> new Ir.HeaderValue(h.name(), h.valuePrefix())).toList(),
                    v.extractFrom().cookies(), v.extractFrom().params(),
                    v.claimToHeaders().stream().map(c -> new Ir.HeaderValue(c.claim(), c.header())).toList()));
        }
        return new Ir.Jwt(p.meta().namespace() + "/" + p.meta().name(), providers, p.optional(), false);
    }
}
