package dev.lattice.proxy.filter.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import java.util.List;
import java.util.Set;

/**
 * One provider, compiled: its keys (each with the verifier made once, when the config arrived), issuer (null: any),
 * audiences (empty: any), where tokens are looked for, and the claims copied to headers.
 */
record JwtProviderConfig(String name, String issuer, Set<String> audiences, List<Key> keys, List<HeaderSource> headers,
                         List<String> cookies, List<String> params, List<ClaimHeader> claimToHeaders, String payloadInMetadata) {
    JwtProviderConfig {
        audiences = Set.copyOf(audiences);
        keys = List.copyOf(keys);
        headers = List.copyOf(headers);
        cookies = List.copyOf(cookies);
        params = List.copyOf(params);
        claimToHeaders = List.copyOf(claimToHeaders);
    }

    /** A key of the set: its {@code kid} (null: none), the algorithms it verifies, and its verifier. */
    record Key(String kid, Set<JWSAlgorithm> algorithms, JWSVerifier verifier) {}

    /** A header name (lower case) and the prefix its value starts with (may be empty). */
    record HeaderSource(String name, String valuePrefix) {}

    /** A claim name (dots for nested ones) and the request header (lower case) it is copied to. */
    record ClaimHeader(String claim, String header) {}
}
