package dev.lattice.control.translate;

import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.JwtPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A route's JWTPolicy ({@link RoutePolicies} resolved it) as IR: its providers with their key sets. */
final class JwtIr {
    private JwtIr() {}

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
