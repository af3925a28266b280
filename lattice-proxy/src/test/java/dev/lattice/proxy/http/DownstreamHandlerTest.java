package dev.lattice.proxy.http;

import static dev.lattice.proxy.TestConfigs.bootstrap;
import static dev.lattice.proxy.TestConfigs.cluster;
import static dev.lattice.proxy.TestConfigs.direct;
import static dev.lattice.proxy.TestConfigs.listener;
import static dev.lattice.proxy.TestConfigs.route;
import static dev.lattice.proxy.TestConfigs.toCluster;
import static dev.lattice.proxy.TestConfigs.vhost;
import static dev.lattice.proxy.TestConfigs.weighted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lattice.proxy.listener.ListenerSlot;
import dev.lattice.proxy.listener.RuntimeConfig;
import dev.lattice.proxy.metrics.ProxyMetrics;
import dev.lattice.proxy.xds.BootstrapLoader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The connection manager on an EmbeddedChannel: everything that is answered without an upstream. */
class DownstreamHandlerTest {
    private final ProxyMetrics metrics = new ProxyMetrics();

    private EmbeddedChannel channel() {
        String json = bootstrap(List.of(listener("gw", 0, false,
                vhost("reviews", List.of("reviews.default:9080"),
                        route("x", "\"path\": \"/x\"", direct(200, "reviews-x"))),
                vhost("books", List.of("books.example", "books.example:8080"),
                        route("direct", "\"prefix\": \"/direct\"", direct(201, "hello")),
                        route("invalid", "\"prefix\": \"/invalid\"", weighted("lattice.invalid/BackendNotFound", 1)),
                        route("missing", "\"prefix\": \"/missing\"", toCluster("default/missing/80")),
                        route("empty", "\"prefix\": \"/empty\"", toCluster("default/empty/80"))))),
                List.of(cluster("default/empty/80")));
        return channelFor(json, slot -> { });
    }

    /** The same listener with an RBAC filter before the router: DELETE is denied, POST only in a dry run. */
    private EmbeddedChannel authzChannel() {
        String rbac = "{\"name\": \"lattice.authz.deny\", \"typed_config\": {"
                + "\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC\","
                + " \"rules\": {\"action\": \"DENY\", \"policies\": {\"AuthorizationPolicy/default/no-deletes/rules/0\": {"
                + "\"permissions\": [{\"header\": {\"name\": \":method\", \"string_match\": {\"exact\": \"DELETE\"}}}],"
                + " \"principals\": [{\"any\": true}]}}},"
                + " \"shadow_rules\": {\"action\": \"DENY\", \"policies\": {\"AuthorizationPolicy/default/posts/rules/0\": {"
                + "\"permissions\": [{\"header\": {\"name\": \":method\", \"string_match\": {\"exact\": \"POST\"}}}],"
                + " \"principals\": [{\"any\": true}]}}}, \"shadow_rules_stat_prefix\": \"dry_run_\"}}";
        String l = listener("gw", 0, false, vhost("books", List.of("books.example"),
                route("direct", "\"prefix\": \"/direct\"", direct(201, "hello"))));
        l = l.replace("\"http_filters\": [", "\"http_filters\": [" + rbac + ", ");
        return channelFor(bootstrap(List.of(l), List.of()), slot -> { });
    }

    @Test
    void anHttpFilterAnswersBeforeTheRouterAndKeepsTheConnection() {
        EmbeddedChannel ch = authzChannel();
        String out = exchange(ch, "DELETE /direct HTTP/1.1\r\nHost: books.example\r\nContent-Length: 3\r\n\r\nabc"
                + "POST /direct HTTP/1.1\r\nHost: books.example\r\nContent-Length: 0\r\n\r\n"
                + "GET /direct HTTP/1.1\r\nHost: books.example\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 403 Forbidden\r\n").contains("RBAC: access denied");
        int post = out.indexOf("HTTP/1.1 201 ");
        assertThat(post).isPositive();
        assertThat(out.indexOf("HTTP/1.1 201 ", post + 1)).isPositive();
        assertThat(ch.isOpen()).isTrue();
        assertThat(metrics.scrape())
                .contains("lattice_authz_decisions_total{decision=\"deny\",dry_run=\"false\",filter=\"lattice.authz.deny\","
                        + "listener=\"gw\",policy=\"AuthorizationPolicy/default/no-deletes/rules/0\"} 1.0")
                .contains("lattice_authz_decisions_total{decision=\"deny\",dry_run=\"true\",filter=\"lattice.authz.deny\","
                        + "listener=\"gw\",policy=\"AuthorizationPolicy/default/posts/rules/0\"} 1.0");
        ch.finishAndReleaseAll();
    }

    /**
     * A route's typed_per_filter_config for the filter's name: an empty RBACPerRoute turns the filter off for /open;
     * one with rules replaces the filter's rules for /strict (GET denied there, counted under its own policy); and a
     * denial comes before a 404, since filters run after the route is matched but before it acts.
     */
    @Test
    void aRoutesPerFilterConfigDisablesOrReplacesTheFilterForThatRoute() {
        String rbac = "{\"name\": \"lattice.authz.deny\", \"typed_config\": {"
                + "\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC\","
                + " \"rules\": {\"action\": \"DENY\", \"policies\": {\"no-deletes\": {"
                + "\"permissions\": [{\"header\": {\"name\": \":method\", \"string_match\": {\"exact\": \"DELETE\"}}}],"
                + " \"principals\": [{\"any\": true}]}}}}}";
        String off = ", \"typed_per_filter_config\": {\"lattice.authz.deny\": {"
                + "\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute\"}}";
        String strict = ", \"typed_per_filter_config\": {\"lattice.authz.deny\": {"
                + "\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute\", \"rbac\": {"
                + "\"rules\": {\"action\": \"DENY\", \"policies\": {\"no-gets\": {"
                + "\"permissions\": [{\"header\": {\"name\": \":method\", \"string_match\": {\"exact\": \"GET\"}}}],"
                + " \"principals\": [{\"any\": true}]}}}}}}";
        String l = listener("gw", 0, false, vhost("books", List.of("books.example"),
                route("open", "\"prefix\": \"/open\"", direct(200, "open") + off),
                route("strict", "\"prefix\": \"/strict\"", direct(200, "strict") + strict),
                route("plain", "\"prefix\": \"/plain\"", direct(200, "plain"))));
        l = l.replace("\"http_filters\": [", "\"http_filters\": [" + rbac + ", ");
        EmbeddedChannel ch = channelFor(bootstrap(List.of(l), List.of()), slot -> { });
        assertThat(exchange(ch, "DELETE /plain HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 403 ");
        assertThat(exchange(ch, "DELETE /open HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 200 ");
        assertThat(exchange(ch, "DELETE /strict HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 200 ");
        assertThat(exchange(ch, "GET /strict HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 403 ");
        assertThat(exchange(ch, "GET /plain HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 200 ");
        // no route: the filter still decides first
        assertThat(exchange(ch, "DELETE /nothing HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 403 ");
        assertThat(exchange(ch, "GET /nothing HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 404 ");
        assertThat(metrics.scrape()).contains("lattice_authz_decisions_total{decision=\"deny\",dry_run=\"false\","
                + "filter=\"lattice.authz.deny\",listener=\"gw\",policy=\"no-gets\"} 1.0");
        ch.finishAndReleaseAll();
    }

    /**
     * The JWT filter before RBAC in one chain, as the control plane orders them: what the JWT filter verified is what
     * the RBAC filter's metadata principal sees (alice allowed, bob and a request without a token denied, a bad token
     * answered 401 by the JWT filter before RBAC).
     */
    @Test
    void theJwtFiltersVerifiedTokenIsWhatRbacDecidesOn() throws Exception {
        com.nimbusds.jose.jwk.RSAKey key = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyID("k").generate();
        io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication jwt =
                io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication.newBuilder()
                        .putProviders("p", io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider.newBuilder()
                                .setIssuer("https://i").setLocalJwks(io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                                        .setInlineString(new com.nimbusds.jose.jwk.JWKSet(key.toPublicJWK()).toString())).build())
                        .putRequirementMap("opt", io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement.newBuilder()
                                .setRequiresAny(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList.newBuilder()
                                        .addRequirements(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement.newBuilder().setProviderName("p"))
                                        .addRequirements(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement.newBuilder()
                                                .setAllowMissing(com.google.protobuf.Empty.getDefaultInstance()))).build())
                        .build();
        String jwtJson = com.google.protobuf.util.JsonFormat.printer().omittingInsignificantWhitespace().print(jwt);
        String filters = "{\"name\": \"envoy.filters.http.jwt_authn\", \"typed_config\": {"
                + "\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication\", "
                + jwtJson.substring(1) + "}, "
                + "{\"name\": \"lattice.authz.allow\", \"typed_config\": {"
                + "\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC\","
                + " \"rules\": {\"action\": \"ALLOW\", \"policies\": {\"AuthorizationPolicy/default/alice/rules/0\": {"
                + "\"permissions\": [{\"any\": true}], \"principals\": [{\"metadata\": {\"filter\": \"envoy.filters.http.jwt_authn\","
                + " \"path\": [{\"key\": \"request.auth.principal\"}], \"value\": {\"string_match\": {\"exact\": \"https://i/alice\"}}}}]}}}}}, ";
        String perRoute = ", \"typed_per_filter_config\": {\"envoy.filters.http.jwt_authn\": {"
                + "\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig\", \"requirement_name\": \"opt\"}}";
        String l = listener("gw", 0, false, vhost("books", List.of("books.example"),
                route("direct", "\"prefix\": \"/direct\"", direct(201, "hello") + perRoute)));
        l = l.replace("\"http_filters\": [", "\"http_filters\": [" + filters);
        EmbeddedChannel ch = channelFor(bootstrap(List.of(l), List.of()), slot -> { });
        java.util.function.Function<String, String> token = sub -> {
            try {
                com.nimbusds.jwt.SignedJWT j = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader.Builder(
                        com.nimbusds.jose.JWSAlgorithm.RS256).keyID("k").build(), new com.nimbusds.jwt.JWTClaimsSet.Builder()
                        .issuer("https://i").subject(sub).expirationTime(new java.util.Date(System.currentTimeMillis() + 60_000)).build());
                j.sign(new com.nimbusds.jose.crypto.RSASSASigner(key));
                return j.serialize();
            } catch (com.nimbusds.jose.JOSEException e) {
                throw new IllegalStateException(e);
            }
        };
        assertThat(exchange(ch, "GET /direct HTTP/1.1\r\nHost: books.example\r\nAuthorization: Bearer " + token.apply("alice") + "\r\n\r\n"))
                .startsWith("HTTP/1.1 201 ");
        assertThat(exchange(ch, "GET /direct HTTP/1.1\r\nHost: books.example\r\nAuthorization: Bearer " + token.apply("bob") + "\r\n\r\n"))
                .startsWith("HTTP/1.1 403 ").contains("RBAC: access denied");
        assertThat(exchange(ch, "GET /direct HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 403 ");
        assertThat(exchange(ch, "GET /direct HTTP/1.1\r\nHost: books.example\r\nAuthorization: Bearer x.y.z\r\n\r\n"))
                .startsWith("HTTP/1.1 401 ");
        // the verified token is the request's own: alice again on the same connection after bob
        assertThat(exchange(ch, "GET /direct HTTP/1.1\r\nHost: books.example\r\nAuthorization: Bearer " + token.apply("alice") + "\r\n\r\n"))
                .startsWith("HTTP/1.1 201 ");
        ch.finishAndReleaseAll();
    }

    /** A filter that pauses every request and hands its handle to the test, which decides later from another thread. */
    static final class PausingFilter implements dev.lattice.proxy.filter.HttpFilter {
        final java.util.concurrent.BlockingQueue<dev.lattice.proxy.filter.FilterCallbacks> paused = new java.util.concurrent.LinkedBlockingQueue<>();
        final java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public dev.lattice.proxy.filter.LocalReply onRequestHeaders(dev.lattice.proxy.filter.RequestView request) {
            seen.add(request.method() + " " + request.pathAndQuery());
            paused.add(request.pause());
            return dev.lattice.proxy.filter.LocalReply.PAUSE;
        }
    }

    private EmbeddedChannel pausingChannel(dev.lattice.proxy.filter.HttpFilter... filters) {
        String l = listener("gw", 0, false, vhost("books", List.of("books.example"),
                route("direct", "\"prefix\": \"/direct\"", direct(201, "hello"))));
        return channelFor(bootstrap(List.of(l), List.of()), slot -> {
            slot.current.httpFilters = filters;
            slot.current.httpFilterNames = java.util.stream.IntStream.range(0, filters.length).mapToObj(i -> "f" + i).toArray(String[]::new);
        });
    }

    private static String drain(EmbeddedChannel ch) {
        ch.runPendingTasks();
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void aFilterPausesTheRequestStopsReadingAndResumesOrAnswersFromAnotherThread() throws Exception {
        PausingFilter f = new PausingFilter();
        dev.lattice.proxy.filter.HttpFilter after =
                r -> r.path().equals("/direct/denied-later") ? dev.lattice.proxy.filter.LocalReply.of(403, "later no") : null;
        EmbeddedChannel ch = pausingChannel(f, after);
        // the body arrives while paused: held, and nothing is answered yet; reading stops
        assertThat(exchange(ch, "POST /direct/a HTTP/1.1\r\nHost: books.example\r\nContent-Length: 3\r\n\r\nabc")).isEmpty();
        assertThat(ch.config().isAutoRead()).isFalse();
        dev.lattice.proxy.filter.FilterCallbacks cb = f.paused.take();
        Thread t = new Thread(cb::proceed);
        t.start();
        t.join();
        cb.proceed(); // a second call does nothing
        assertThat(drain(ch)).startsWith("HTTP/1.1 201 ").endsWith("hello");
        assertThat(ch.config().isAutoRead()).isTrue();
        // answered by the paused filter
        assertThat(exchange(ch, "GET /direct/b HTTP/1.1\r\nHost: books.example\r\n\r\n")).isEmpty();
        f.paused.take().reply(dev.lattice.proxy.filter.LocalReply.of(429, "slow down"));
        String slow = drain(ch);
        assertThat(slow).as(slow).startsWith("HTTP/1.1 429 ").contains("slow down");
        // resumed, then the next filter answers
        assertThat(exchange(ch, "GET /direct/denied-later HTTP/1.1\r\nHost: books.example\r\n\r\n")).isEmpty();
        f.paused.take().proceed();
        assertThat(drain(ch)).startsWith("HTTP/1.1 403 ").contains("later no");
        // a pipelined request waits behind the paused one, in order
        String both = exchange(ch, "GET /direct/c HTTP/1.1\r\nHost: books.example\r\n\r\nGET /direct/d HTTP/1.1\r\nHost: books.example\r\n\r\n");
        assertThat(both).isEmpty();
        f.paused.take().reply(dev.lattice.proxy.filter.LocalReply.of(401, "who"));
        String next = drain(ch);
        assertThat(next).startsWith("HTTP/1.1 401 ");
        f.paused.take().proceed();
        assertThat(drain(ch)).startsWith("HTTP/1.1 201 ");
        assertThat(f.seen).containsExactly("POST /direct/a", "GET /direct/b", "GET /direct/denied-later", "GET /direct/c", "GET /direct/d");
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void aPausedRequestWhoseFilterNeverDecidesIsAnswered504AndALateDecisionDoesNothing() throws Exception {
        PausingFilter f = new PausingFilter();
        EmbeddedChannel ch = pausingChannel(f);
        assertThat(exchange(ch, "GET /direct/slow HTTP/1.1\r\nHost: books.example\r\n\r\n")).isEmpty();
        dev.lattice.proxy.filter.FilterCallbacks cb = f.paused.take();
        ch.advanceTimeBy(DownstreamHandler.PAUSE_TIMEOUT_MILLIS - 1, java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(drain(ch)).as("not yet").isEmpty();
        ch.advanceTimeBy(1, java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(drain(ch)).startsWith("HTTP/1.1 504 ").contains("filter timeout");
        cb.proceed();
        assertThat(drain(ch)).as("the late proceed sends nothing").isEmpty();
        // the connection goes on with the next request
        assertThat(exchange(ch, "GET /direct/next HTTP/1.1\r\nHost: books.example\r\n\r\n")).isEmpty();
        f.paused.take().proceed();
        assertThat(drain(ch)).startsWith("HTTP/1.1 201 ");
        ch.finishAndReleaseAll();
    }

    @Test
    void aResumeAfterTheClientLeftDoesNothing() throws Exception {
        PausingFilter f = new PausingFilter();
        EmbeddedChannel ch = pausingChannel(f);
        assertThat(exchange(ch, "POST /direct HTTP/1.1\r\nHost: books.example\r\nContent-Length: 3\r\n\r\nabc")).isEmpty();
        dev.lattice.proxy.filter.FilterCallbacks cb = f.paused.take();
        ch.close();
        cb.proceed();
        ch.runPendingTasks();
        assertThat((Object) ch.readOutbound()).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void aPerFilterConfigOfAnUnknownTypeIsRejectedByItsPath() {
        String l = listener("gw", 0, false, vhost("books", List.of("books.example"),
                route("r", "\"prefix\": \"/\"", direct(200, "x") + ", \"typed_per_filter_config\": {\"x\": {"
                        + "\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\"}}")));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BootstrapLoader.parse(bootstrap(List.of(l), List.of()), "test"))
                .hasMessageContaining("typed_per_filter_config[\"x\"]: unsupported filter config type.googleapis.com/envoy.extensions.filters.http.router.v3.Router");
    }

    private static String exchange(EmbeddedChannel ch, String request) {
        ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        return drain(ch);
    }

    /** A DownstreamHandler on an EmbeddedChannel for listener {@code gw} of this bootstrap JSON. */
    private EmbeddedChannel channelFor(String bootstrapJson, java.util.function.Consumer<ListenerSlot> adjust) {
        RuntimeConfig rc = RuntimeConfig.compile(BootstrapLoader.parse(bootstrapJson, "test"), null, metrics);
        ListenerSlot slot = new ListenerSlot("127.0.0.1:0#gw", rc.listener("127.0.0.1:0#gw"), NioSocketChannel.class,
                metrics.downstreamActive("gw"));
        adjust.accept(slot);
        TelemetryHandler telemetry = new TelemetryHandler();
        return new EmbeddedChannel(new ServerCodec(ProtocolDetectHandler.SERVER_DECODER), telemetry,
                new DownstreamHandler(slot, false, telemetry));
    }

    @Test
    void noVirtualHostIs404() {
        EmbeddedChannel ch = channel();
        String out = exchange(ch, "GET / HTTP/1.1\r\nHost: nowhere.example\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 404 Not Found\r\n");
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void noRouteIs404() {
        EmbeddedChannel ch = channel();
        assertThat(exchange(ch, "GET /nothing HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 404 ");
        ch.finishAndReleaseAll();
    }

    @Test
    void directResponseAnswersItsStatusAndBody() {
        EmbeddedChannel ch = channel();
        String out = exchange(ch, "GET /direct HTTP/1.1\r\nHost: books.example:8080\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 201 Created\r\n").contains("content-length: 5").endsWith("\r\n\r\nhello");
        ch.finishAndReleaseAll();
    }

    @Test
    void invalidBackendIs500AndMissingClusterIs503AndNoEndpointsIs503() {
        EmbeddedChannel ch = channel();
        assertThat(exchange(ch, "GET /invalid HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 500 ");
        assertThat(exchange(ch, "GET /missing HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 503 ");
        assertThat(exchange(ch, "GET /empty HTTP/1.1\r\nHost: books.example\r\n\r\n")).startsWith("HTTP/1.1 503 ");
        assertThat(metrics.scrape())
                .contains("lattice_proxy_requests_total{cluster=\"lattice.invalid/BackendNotFound\",code_class=\"5xx\",listener=\"gw\"} 1.0")
                .contains("lattice_proxy_requests_total{cluster=\"default/missing/80\",code_class=\"5xx\",listener=\"gw\"} 1.0");
        ch.finishAndReleaseAll();
    }

    @Test
    void absoluteFormBecomesOriginFormWithHostFromTheAuthority() {
        EmbeddedChannel ch = channel();
        String out = exchange(ch, "GET http://reviews.default:9080/x HTTP/1.1\r\nHost: ignored\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 200 OK\r\n").endsWith("reviews-x");
        ch.finishAndReleaseAll();
    }

    @Test
    void malformedRequestIs400AndCloses() {
        EmbeddedChannel ch = channel();
        String out = exchange(ch, "GET / HTTP/1.1\r\nHost: books.example\r\nbad header line\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("connection: close");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void http11WithoutHostOrWithTwoIs400AndCloses() {
        EmbeddedChannel ch = channel();
        assertThat(exchange(ch, "GET /direct HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400 ").contains("connection: close");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();

        EmbeddedChannel two = channel();
        assertThat(exchange(two, "GET /direct HTTP/1.1\r\nHost: books.example\r\nHost: books.example\r\n\r\n"))
                .startsWith("HTTP/1.1 400 ");
        assertThat(two.isOpen()).isFalse();
        two.finishAndReleaseAll();

        // HTTP/1.0 has no Host requirement: it is routed (here to no virtual host)
        EmbeddedChannel old = channel();
        assertThat(exchange(old, "GET /direct HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 404 ");
        old.finishAndReleaseAll();
    }

    @Test
    void obsoleteLineFoldingIs400AndCloses() {
        EmbeddedChannel ch = channel();
        String out = exchange(ch, "GET /direct HTTP/1.1\r\nHost: books.example\r\nX-A: one\r\n two\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 400 ").contains("connection: close");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();

        EmbeddedChannel tab = channel();
        assertThat(exchange(tab, "GET /direct HTTP/1.1\r\nHost: books.example\r\nX-A: one\r\n\ttwo\r\n\r\n"))
                .startsWith("HTTP/1.1 400 ");
        tab.finishAndReleaseAll();
    }

    @Test
    void foldingCheckSeesOnlyHeadsNotBodiesAndSurvivesSplitReads() {
        EmbeddedChannel ch = channel();
        // a body that holds "\r\n " is a body, not a fold; the pipelined request after it is answered
        String out = exchange(ch, "POST /direct HTTP/1.1\r\nHost: books.example\r\nContent-Length: 6\r\n\r\na\r\n  b"
                + "GET /direct HTTP/1.1\r\nHost: books.example\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 201 ");
        assertThat(out.indexOf("HTTP/1.1 201 ", 1)).isPositive();
        assertThat(ch.isOpen()).isTrue();
        // a fold that arrives in a later read than the line it continues
        assertThat(exchange(ch, "GET /direct HTTP/1.1\r\nHost: books.example\r\nX-A: one\r\n")).isEmpty();
        assertThat(exchange(ch, " two\r\n\r\n")).startsWith("HTTP/1.1 400 ");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void headResponseHasNoBody() {
        EmbeddedChannel ch = channel();
        String out = exchange(ch, "HEAD /direct HTTP/1.1\r\nHost: books.example\r\n\r\n"
                + "GET /direct HTTP/1.1\r\nHost: books.example\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 201 ");
        int second = out.indexOf("HTTP/1.1 201 ", 1);
        assertThat(second).isPositive();
        assertThat(out.substring(0, second)).endsWith("\r\n\r\n").doesNotContain("hello");
        assertThat(out.substring(second)).endsWith("hello");
        ch.finishAndReleaseAll();
    }

    @Test
    void garbageRequestLineIs400AndCloses() {
        EmbeddedChannel ch = channel();
        String out = exchange(ch, "\u0001\u0002 what\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 400 ");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() {
        EmbeddedChannel ch = channel();
        String out = exchange(ch, "GET /direct HTTP/1.1\r\nHost: books.example\r\n\r\n"
                + "GET /nothing HTTP/1.1\r\nHost: books.example\r\n\r\n"
                + "GET /x HTTP/1.1\r\nHost: reviews.default:9080\r\n\r\n");
        int a = out.indexOf("HTTP/1.1 201");
        int b = out.indexOf("HTTP/1.1 404");
        int c = out.indexOf("HTTP/1.1 200");
        assertThat(a).isZero();
        assertThat(b).isGreaterThan(a);
        assertThat(c).isGreaterThan(b);
        ch.finishAndReleaseAll();
    }

    @Test
    void bodyOfAnAnsweredRequestIsDiscardedAndTheConnectionKeptAlive() {
        EmbeddedChannel ch = channel();
        String out = exchange(ch, "POST /nothing HTTP/1.1\r\nHost: books.example\r\nContent-Length: 10\r\n\r\n0123456789"
                + "GET /direct HTTP/1.1\r\nHost: books.example\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 404 ").contains("HTTP/1.1 201 ");
        assertThat(ch.isOpen()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void http10WithoutKeepAliveIsClosedAfterTheResponse() {
        EmbeddedChannel ch = channel();
        String out = exchange(ch, "GET /direct HTTP/1.0\r\nHost: books.example\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.0 201 ");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void connectionCloseIsHonoured() {
        EmbeddedChannel ch = channel();
        String out = exchange(ch, "GET /direct HTTP/1.1\r\nHost: books.example\r\nConnection: close\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 201 ").contains("connection: close");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void badChunkFramingClosesTheConnection() {
        EmbeddedChannel ch = channel();
        // the route answers 404 at the head; the broken body that follows ends the connection
        String out = exchange(ch, "POST /nothing HTTP/1.1\r\nHost: books.example\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "zz\r\nhello\r\n0\r\n\r\nGET /direct HTTP/1.1\r\nHost: books.example\r\n\r\n");
        assertThat(out).startsWith("HTTP/1.1 404 ").doesNotContain("HTTP/1.1 201");
        assertThat(ch.isOpen()).isFalse();
        ch.finishAndReleaseAll();
    }
}
