package dev.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class GetCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void httpRouteTableAsKubectlShowsIt() throws Exception {
        JsonNode items = JSON.readTree("""
                [{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                  "metadata": {"name": "bookstore", "namespace": "default"},
                  "spec": {"parentRefs": [{"name": "gw", "sectionName": "http"}], "hostnames": ["a.example", "b.example"]},
                  "status": {"parents": [{"parentRef": {"name": "gw"}, "conditions": [
                      {"type": "Accepted", "status": "True"}, {"type": "ResolvedRefs", "status": "False"}]}]}}]""");
        String plain = Table.render(GetCommand.table("HTTPRoute", items, false, false));
        assertThat(plain).isEqualTo("""
                NAME        HOSTNAMES
                bookstore   ["a.example","b.example"]
                """);
        String wide = Table.render(GetCommand.table("HTTPRoute", items, true, true));
        assertThat(wide.lines().findFirst().orElseThrow())
                .isEqualTo("NAMESPACE   NAME        HOSTNAMES                   PARENTS           ACCEPTED   RESOLVEDREFS");
        assertThat(wide).contains("default     bookstore   [\"a.example\",\"b.example\"]   Gateway/gw.http   True       False");
    }

    @Test
    void serviceAndGatewayColumns() throws Exception {
        JsonNode svc = JSON.readTree("""
                [{"kind": "Service", "metadata": {"name": "books", "namespace": "default"},
                  "spec": {"selector": {"app": "books"}, "ports": [{"port": 9080}, {"port": 9443, "protocol": "TCP"}]}}]""");
        assertThat(Table.render(GetCommand.table("Service", svc, false, true)))
                .contains("NAME    TYPE        PORT(S)             SELECTOR")
                .contains("books   ClusterIP   9080/TCP,9443/TCP   app=books");
        JsonNode gw = JSON.readTree("""
                [{"kind": "Gateway", "metadata": {"name": "gw", "namespace": "default"},
                  "spec": {"gatewayClassName": "lattice"},
                  "status": {"conditions": [{"type": "Programmed", "status": "True"}]}}]""");
        assertThat(Table.render(GetCommand.table("Gateway", gw, false, false)))
                .isEqualTo("NAME   CLASS     ADDRESS   PROGRAMMED\ngw     lattice             True\n");
    }

    @Test
    void listenerSetAndTcpRouteColumns() throws Exception {
        JsonNode ls = JSON.readTree("""
                [{"kind": "ListenerSet", "metadata": {"name": "team", "namespace": "apps"},
                  "spec": {"parentRef": {"name": "gw"}},
                  "status": {"conditions": [{"type": "Accepted", "status": "False"}, {"type": "Programmed", "status": "False"}]}}]""");
        assertThat(Table.render(GetCommand.table("ListenerSet", ls, false, false)))
                .isEqualTo("NAME   ACCEPTED   PROGRAMMED\nteam   False      False\n");
        JsonNode tcp = JSON.readTree("""
                [{"kind": "TCPRoute", "metadata": {"name": "db", "namespace": "apps"},
                  "spec": {"parentRefs": [{"kind": "ListenerSet", "name": "team", "sectionName": "tcp"}]},
                  "status": {"parents": [{"conditions": [{"type": "Accepted", "status": "True"},
                      {"type": "ResolvedRefs", "status": "True"}]}]}}]""");
        assertThat(Table.render(GetCommand.table("TCPRoute", tcp, false, true)))
                .isEqualTo("NAME   PARENTS                ACCEPTED   RESOLVEDREFS\ndb     ListenerSet/team.tcp   True       True\n");
    }

    @Test
    void policyTablesShowWhatTheyDoAndWhetherTheyAreAccepted() throws Exception {
        JsonNode ap = JSON.readTree("""
                [{"kind": "AuthorizationPolicy", "metadata": {"name": "readers", "namespace": "default"},
                  "spec": {"action": "DENY", "dryRun": true},
                  "status": {"ancestors": [
                      {"ancestorRef": {"kind": "Service", "name": "books"}, "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted"}]},
                      {"ancestorRef": {"kind": "Service", "name": "nope"}, "conditions": [{"type": "Accepted", "status": "False", "reason": "TargetNotFound"}]}]}},
                 {"kind": "AuthorizationPolicy", "metadata": {"name": "open", "namespace": "default"}, "spec": {},
                  "status": {"ancestors": [{"conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted"}]}]}}]""");
        assertThat(Table.render(GetCommand.table("AuthorizationPolicy", ap, false, false))).isEqualTo("""
                NAME      ACTION           ACCEPTED
                readers   DENY (dry run)   False (TargetNotFound)
                open      ALLOW            True
                """);
        JsonNode tt = JSON.readTree("""
                [{"kind": "TrafficTarget", "metadata": {"name": "tt"}, "spec": {"destination": {"name": "books"}}}]""");
        assertThat(Table.render(GetCommand.table("TrafficTarget", tt, false, false)))
                .isEqualTo("NAME   DESTINATION   ACCEPTED\ntt     books         Unknown\n");
    }
}
