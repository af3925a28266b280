package dev.lattice.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.lattice.testkit.EchoGrpc;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Front-door policies attached to a GRPCRoute (docs/security.md), with a real grpc-java client through the gateway
 * to the testkit's gRPC echo: a JWTPolicy on one named rule ({@code sectionName}) refuses a call without a valid
 * token as {@code UNAUTHENTICATED} and passes one with it, while the route's other rule needs none; a local
 * RateLimitPolicy on the whole route refuses the fourth call a minute of one {@code x-client} (a gRPC client sees
 * HTTP 429 as {@code UNAVAILABLE}) and serves another client.
 */
class GrpcFrontDoorIT {
    static ConformanceMesh c;
    static ManagedChannel channel;
    static RSAKey key;

    static String yaml(String jwks) {
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: ready, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: same-namespace}]
                  hostnames: [ready.example]
                  rules: [{backendRefs: [{name: infra-backend-v1, port: 8080}]}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: GRPCRoute
                metadata: {name: door, namespace: gateway-conformance-infra}
                spec:
                  parentRefs: [{name: same-namespace}]
                  hostnames: [grpc-door.example]
                  rules:
                  - name: secured
                    matches: [{method: {service: lattice.echo.v1.Echo, method: Echo}}]
                    backendRefs: [{name: grpc-infra-backend-v1, port: 8080}]
                  - name: open
                    matches: [{method: {service: lattice.echo.v1.Echo, method: EchoTwo}}]
                    backendRefs: [{name: grpc-infra-backend-v1, port: 8080}]
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: JWTPolicy
                metadata: {name: door-users, namespace: gateway-conformance-infra}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: door, sectionName: secured}]
                  providers:
                  - name: example
                    issuer: https://issuer.example
                    localJWKS: {inline: '@JWKS@'}
                ---
                apiVersion: lattice.dev/v1alpha1
                kind: RateLimitPolicy
                metadata: {name: door-limit, namespace: gateway-conformance-infra}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: door}]
                  local:
                    rules:
                    - clientSelectors: [{headers: [{name: x-client, type: Distinct}]}]
                      limit: {requests: 3, unit: Minute}
                """.replace("@JWKS@", jwks);
    }

    @BeforeAll
    static void up() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        c = ConformanceMesh.start(yaml(new JWKSet(key.toPublicJWK()).toString()));
        c.awaitReady(c.port("SAME"), "ready.example", "/", "infra-backend-v1");
        channel = NettyChannelBuilder.forAddress("127.0.0.1", c.port("SAME")).usePlaintext()
                .overrideAuthority("grpc-door.example").build();
    }

    @AfterAll
    static void down() throws InterruptedException {
        if (channel != null) channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        if (c != null) c.close();
    }

    static String token() throws Exception {
        long now = System.currentTimeMillis();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("https://issuer.example").subject("alice")
                .issueTime(new Date(now - 1000)).expirationTime(new Date(now + 600_000)).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    static Status.Code code(Channel ch, io.grpc.MethodDescriptor<Struct, Struct> m, Map<String, String> md) {
        try {
            GRPCRouteIT.call(ch, m, md);
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    @Test
    void jwtOnANamedRuleAndARateLimitOnTheRoute() throws Exception {
        String bearer = "Bearer " + token();
        // the open rule serves once the route is there; the secured one wants a token
        c.mesh.await("the open rule serving", ConformanceMesh.WAIT,
                () -> code(channel, EchoGrpc.ECHO_TWO, Map.of("x-client", "warm-up")) == Status.Code.OK);
        assertThat(code(channel, EchoGrpc.ECHO, Map.of("x-client", "a"))).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(code(channel, EchoGrpc.ECHO, Map.of("x-client", "a", "authorization", "Bearer not.a.token")))
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        // client a: two refusals above did not count (the JWT filter answered first); three calls pass, the fourth not
        assertThat(code(channel, EchoGrpc.ECHO, Map.of("x-client", "a", "authorization", bearer))).isEqualTo(Status.Code.OK);
        assertThat(code(channel, EchoGrpc.ECHO_TWO, Map.of("x-client", "a"))).isEqualTo(Status.Code.OK);
        assertThat(code(channel, EchoGrpc.ECHO_TWO, Map.of("x-client", "a"))).isEqualTo(Status.Code.OK);
        assertThatThrownBy(() -> GRPCRouteIT.call(channel, EchoGrpc.ECHO_TWO, Map.of("x-client", "a")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                        .as("HTTP 429 as a gRPC client sees it: %s", e.getStatus()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(code(channel, EchoGrpc.ECHO, Map.of("x-client", "b", "authorization", bearer))).isEqualTo(Status.Code.OK);
    }
}
