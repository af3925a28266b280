package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lattice.control.translate.ir.Ir;
import dev.lattice.model.Gateway;
import dev.lattice.model.GatewayClass;
import dev.lattice.model.HttpRoute;
import dev.lattice.model.Lines;
import dev.lattice.model.ListenerSet;
import dev.lattice.model.MeshObject;
import dev.lattice.model.Problem;
import dev.lattice.model.Resource;
import dev.lattice.model.TcpRoute;
import dev.lattice.model.TlsRoute;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Gateway listeners: which are accepted (protocol HTTP, HTTPS with tls.mode Terminate, TLS with Passthrough or Terminate, TCP), which
 * conflict on a port (HostnameConflict, ProtocolConflict), their certificates (InvalidCertificateRef,
 * RefNotPermitted), supported route kinds, and the Gateway and listener status the Gateway API asks for.
 */
final class GatewayListeners {
    static final String GRPC_ROUTE = "GRPCRoute";
    static final List<String> ALPN = List.of("h2", "http/1.1");

    private GatewayListeners() {}

    /** The route kinds a protocol can carry. */
    static List<Gateway.RouteGroupKind> kindsFor(String protocol) {
        return switch (protocol) {
            case "HTTP", "HTTPS" -> List.of(new Gateway.RouteGroupKind(HttpRoute.GROUP, HttpRoute.KIND),
                    new Gateway.RouteGroupKind(HttpRoute.GROUP, GRPC_ROUTE));
            case "TLS" -> List.of(new Gateway.RouteGroupKind(HttpRoute.GROUP, TlsRoute.KIND));
            case "TCP" -> List.of(new Gateway.RouteGroupKind(HttpRoute.GROUP, TcpRoute.KIND));
            default -> List.of();
        };
    }

    /** HTTP listeners share a port with HTTP ones only; HTTPS and TLS share one by SNI; TCP shares with none. */
    private static String family(String protocol) {
        return switch (protocol) {
            case "HTTP" -> "HTTP";
            case "TCP" -> "TCP";
            default -> "HTTPS/TLS";
        };
    }

    static List<ListenerInfo> infos(Gateway g, MeshIndex index, List<Problem> problems) {
        return infos(g, List.of(), index, problems);
    }

    /**
     * The listeners of the Gateway's proxy: the Gateway's own, then those of {@code sets} (the ListenerSets attached
     * to it, in precedence order). A listener conflicts with an earlier one on its port, so a ListenerSet never takes
     * a port or hostname from the Gateway or an older ListenerSet.
     */
    static List<ListenerInfo> infos(Gateway g, List<ListenerSet> sets, MeshIndex index, List<Problem> problems) {
        Merge merge = new Merge(g, index, problems);
        List<ListenerInfo> out = new ArrayList<>();
        List<MeshObject> owners = new ArrayList<>();
        owners.add(g);
        owners.addAll(sets);
        for (MeshObject owner : owners) {
            ListenerSet set = owner instanceof ListenerSet s ? s : null;
            List<Gateway.Listener> declared = set == null ? g.listeners() : set.listeners();
            for (int local = 0; local < declared.size(); local++) {
                out.add(merge.info(set, local, declared.get(local), out.size(), index.resource(owner), owner.meta().namespace()));
            }
        }
        return out;
    }

    /** The merge of one Gateway's listeners: what the listeners met so far hold (ports, hostnames, reported refs). */
    private static final class Merge {
        private final Gateway g;
        private final MeshIndex index;
        private final List<Problem> problems;
        private final Map<Integer, String> portFamily = new HashMap<>();
        private final Map<String, String> hostOnPort = new HashMap<>();
        private final java.util.Set<String> reportedCaRefs = new java.util.HashSet<>();

        Merge(Gateway g, MeshIndex index, List<Problem> problems) {
            this.g = g;
            this.index = index;
            this.problems = problems;
        }

        /** Listener {@code l}, {@code i}th of {@code res} (the Gateway, or ListenerSet {@code set}), {@code global}th of the proxy. */
        ListenerInfo info(ListenerSet set, int i, Gateway.Listener l, int global, Resource res, String ownerNs) {
            String field = "spec.listeners[" + i + "]";
            String protocol = l.protocol();
            String acceptedReason = null;
            String acceptedMessage = null;
            Gateway.Tls tls = l.tls();
            switch (protocol) {
                case "HTTP" -> { }
                case "HTTPS" -> {
                    if (tls != null && !tls.mode().equals(Gateway.Tls.TERMINATE)) {
                        acceptedReason = "UnsupportedValue";
                        acceptedMessage = "HTTPS listeners terminate TLS: tls.mode must be Terminate, not " + tls.mode();
                    }
                }
                case "TLS" -> {
                    // Passthrough relays the TLS bytes by SNI; Terminate ends TLS here and relays the plain stream
                    if (tls != null && !tls.mode().equals(Gateway.Tls.PASSTHROUGH) && !tls.mode().equals(Gateway.Tls.TERMINATE)) {
                        acceptedReason = "UnsupportedValue";
                        acceptedMessage = "tls.mode must be Passthrough or Terminate, not " + tls.mode();
                    }
                }
                case "TCP" -> { } // a TCPRoute's bytes are relayed as they come (one tcp_proxy chain, no TLS inspector)
                default -> {
                    acceptedReason = "UnsupportedProtocol";
                    acceptedMessage = "Protocol " + protocol + " is not supported; Lattice serves HTTP, HTTPS, TLS and TCP";
                }
            }
            if (acceptedReason != null) {
                problems.add(Lines.problem(res, field + (acceptedReason.equals("UnsupportedProtocol") ? ".protocol" : ".tls.mode"),
                        acceptedMessage + " (" + acceptedReason + ")"));
            }
            String conflictReason = null;
            String conflictMessage = null;
            if (acceptedReason == null) {
                String fam = portFamily.putIfAbsent(l.port(), family(protocol));
                if (fam != null && !fam.equals(family(protocol))) {
                    conflictReason = "ProtocolConflict";
                    conflictMessage = "Port " + l.port() + " is used by " + fam + " listeners; " + protocol + " cannot share it";
                } else {
                    String key = l.port() + "|" + l.hostname();
                    String where = l.name() + (set == null ? "" : " of ListenerSet " + ownerNs + "/" + set.meta().name());
                    String other = hostOnPort.putIfAbsent(key, where);
                    if (other != null) {
                        conflictReason = "HostnameConflict";
                        conflictMessage = "Listener " + other + " on port " + l.port() + " has the same hostname";
                    }
                }
                if (conflictReason != null && conflictReason.equals("HostnameConflict")) {
                    problems.add(Lines.problem(res, field + ".hostname",
                            "another " + protocol + " listener on port " + l.port() + " has the same hostname"));
                } else if (conflictReason != null) {
                    problems.add(Lines.problem(res, field + ".port", conflictMessage + " (" + conflictReason + ")"));
                }
            }
            List<Gateway.RouteGroupKind> supported = new ArrayList<>();
            List<String> invalid = new ArrayList<>();
            if (acceptedReason == null) {
                List<Gateway.RouteGroupKind> possible = kindsFor(protocol);
                if (l.allowedRoutes().kinds().isEmpty()) {
                    supported.addAll(possible);
                } else {
                    for (Gateway.RouteGroupKind k : l.allowedRoutes().kinds()) {
                        if (possible.contains(k)) supported.add(k);
                        else invalid.add(k.group() + "/" + k.kind());
                    }
                }
            }
            String refReason = null;
            String refMessage = null;
            String caAcceptedReason = null;
            String caAcceptedMessage = null;
            Ir.TlsContext context = null;
            boolean terminates = tls != null && tls.mode().equals(Gateway.Tls.TERMINATE)
                    && (protocol.equals("HTTPS") || protocol.equals("TLS"));
            if (acceptedReason == null && tls != null && terminates) {
                Secrets.Resolution r = Secrets.resolve(ownerNs, set == null ? Gateway.KIND : ListenerSet.KIND, tls, index);
                if (r.resolved()) {
                    // HTTPS offers h2 and http/1.1 by ALPN; a TLS listener relays bytes and selects no protocol
                    Ir.ClientValidation cv = null;
                    Gateway.Validation v = protocol.equals("HTTPS") && g.frontendTls() != null
                            ? g.frontendTls().forPort(l.port()) : null;
                    if (v != null) {
                        Secrets.CaResolution ca = Secrets.resolveCa(g, v, index);
                        if (!ca.bad().isEmpty()) {
                            refReason = ca.bad().get(0).reason();
                            refMessage = String.join("; ", ca.bad().stream().map(Secrets.BadCaRef::message).toList());
                            for (Secrets.BadCaRef b : ca.bad()) {
                                String path = v.path() + ".caCertificateRefs[" + b.index() + "]";
                                if (reportedCaRefs.add(path)) {
                                    problems.add(Lines.problem(res, path, b.message() + " (" + b.reason() + ")"));
                                }
                            }
                        }
                        if (ca.trustedCaPem() == null) {
                            caAcceptedReason = "NoValidCACertificate";
                            caAcceptedMessage = "No valid CA certificate for client certificate validation on port " + l.port();
                        } else {
                            cv = new Ir.ClientValidation(ca.trustedCaPem(), v.insecureFallback());
                        }
                    }
                    context = new Ir.TlsContext(r.certificates(), protocol.equals("HTTPS") ? ALPN : List.of(), cv);
                } else {
                    refReason = r.reason();
                    refMessage = r.message();
                    problems.add(Lines.problem(res, field + ".tls.certificateRefs[" + r.badRef() + "]", refMessage + " (" + refReason + ")"));
                }
            }
            if (acceptedReason == null && caAcceptedReason != null) {
                // every caCertificateRef of the listener's frontend validation is invalid: not accepted
                acceptedReason = caAcceptedReason;
                acceptedMessage = caAcceptedMessage;
            }
            return new ListenerInfo(global, l, acceptedReason, acceptedMessage, conflictReason, conflictMessage, refReason,
                    refMessage, supported, invalid, context, set, i, ownerNs);
        }
    }

    /** Whether the Gateway's spec.tls.frontend asks for AllowInsecureFallback anywhere. */
    static boolean insecureFrontendValidation(Gateway g) {
        Gateway.FrontendTls f = g.frontendTls();
        if (f == null) return false;
        if (f.defaults() != null && f.defaults().insecureFallback()) return true;
        return f.perPort().values().stream().anyMatch(v -> v != null && v.insecureFallback());
    }

    /**
     * The Gateway's status from its own listeners ({@code all} also holds its ListenerSets'); {@code attachedSets} is
     * status.attachedListenerSets, the ListenerSets accepted on it.
     */
    static ObjectNode status(Gateway g, List<ListenerInfo> all, int[] counts, int attachedSets) {
        long gen = g.meta().generation();
        List<ListenerInfo> infos = all.stream().filter(i -> i.set() == null).toList();
        int valid = (int) infos.stream().filter(ListenerInfo::programmed).count();
        ObjectNode st = Status.JSON.objectNode();
        ObjectNode accepted = valid == infos.size()
                ? Status.condition("Accepted", true, "Accepted", "Handled by " + GatewayClass.LATTICE_CONTROLLER, gen)
                : Status.condition("Accepted", valid > 0, "ListenersNotValid",
                        (infos.size() - valid) + " of " + infos.size() + " listeners are not valid", gen);
        ObjectNode programmed = valid > 0
                ? Status.condition("Programmed", true, "Programmed", "Proxy configuration sent for " + valid + " listener(s)", gen)
                : Status.condition("Programmed", false, "Invalid", "No valid listener", gen);
        if (insecureFrontendValidation(g)) {
            // the spec's condition while any frontend validation is AllowInsecureFallback
            st.set("conditions", Status.array(accepted, programmed, Status.condition("InsecureFrontendValidationMode", true,
                    "ConfigurationChanged", "Client certificate validation is AllowInsecureFallback: clients without a "
                            + "valid certificate are served", gen)));
        } else {
            st.set("conditions", Status.array(accepted, programmed));
        }
        st.set("listeners", listenerStatuses(infos, counts, gen));
        st.put("attachedListenerSets", attachedSets);
        return st;
    }

    /**
     * A ListenerSet's status: Accepted and Programmed when at least one of its listeners is programmed (else
     * ListenersNotValid), and each listener's status as a Gateway's.
     */
    static ObjectNode listenerSetStatus(ListenerSet set, List<ListenerInfo> own, int[] counts) {
        long gen = set.meta().generation();
        int valid = (int) own.stream().filter(ListenerInfo::programmed).count();
        ObjectNode st = Status.JSON.objectNode();
        if (valid == 0) {
            String m = "None of the " + own.size() + " listeners is valid";
            st.set("conditions", Status.array(Status.condition("Accepted", false, "ListenersNotValid", m, gen),
                    Status.condition("Programmed", false, "ListenersNotValid", m, gen)));
        } else {
            ObjectNode accepted = valid == own.size()
                    ? Status.condition("Accepted", true, "Accepted", "Listeners merged into Gateway "
                            + set.parentRef().namespace() + "/" + set.parentRef().name(), gen)
                    : Status.condition("Accepted", true, "ListenersNotValid",
                            (own.size() - valid) + " of " + own.size() + " listeners are not valid", gen);
            st.set("conditions", Status.array(accepted, Status.condition("Programmed", true, "Programmed",
                    "Proxy configuration sent for " + valid + " listener(s)", gen)));
        }
        st.set("listeners", listenerStatuses(own, counts, gen));
        return st;
    }

    /** A ListenerSet that the Gateway does not take: Accepted and Programmed False with {@code reason}. */
    static ObjectNode listenerSetRejected(ListenerSet set, String reason, String message) {
        long gen = set.meta().generation();
        ObjectNode st = Status.JSON.objectNode();
        st.set("conditions", Status.array(Status.condition("Accepted", false, reason, message, gen),
                Status.condition("Programmed", false, reason, message, gen)));
        return st;
    }

    /**
     * Each listener's status: supportedKinds, attachedRoutes and the conditions. A conflicted listener is neither
     * accepted nor programmed, with the conflict's reason.
     */
    private static ArrayNode listenerStatuses(List<ListenerInfo> infos, int[] counts, long gen) {
        ArrayNode listeners = Status.JSON.arrayNode();
        for (ListenerInfo i : infos) {
            ObjectNode l = Status.JSON.objectNode();
            l.put("name", i.listener().name());
            ArrayNode kinds = Status.JSON.arrayNode();
            for (Gateway.RouteGroupKind k : i.supportedKinds()) kinds.addObject().put("group", k.group()).put("kind", k.kind());
            l.set("supportedKinds", kinds);
            l.put("attachedRoutes", counts[i.index()]);
            ArrayNode conds = Status.JSON.arrayNode();
            if (!i.accepted()) {
                conds.add(Status.condition("Accepted", false, i.acceptedReason(), i.acceptedMessage(), gen));
            } else if (i.conflicted()) {
                conds.add(Status.condition("Accepted", false, i.conflictReason(), i.conflictMessage(), gen));
            } else {
                conds.add(Status.condition("Accepted", true, "Accepted", "Listener is accepted", gen));
            }
            if (i.refReason() != null) {
                conds.add(Status.condition("ResolvedRefs", false, i.refReason(), i.refMessage(), gen));
            } else if (!i.invalidKinds().isEmpty()) {
                conds.add(Status.condition("ResolvedRefs", false, "InvalidRouteKinds",
                        "Route kinds not supported: " + String.join(", ", i.invalidKinds()), gen));
            } else {
                conds.add(Status.condition("ResolvedRefs", true, "ResolvedRefs", "All references resolved", gen));
            }
            conds.add(i.conflicted()
                    ? Status.condition("Conflicted", true, i.conflictReason(), i.conflictMessage(), gen)
                    : Status.condition("Conflicted", false, "NoConflicts", "No conflicts", gen));
            if (i.programmed()) {
                conds.add(Status.condition("Programmed", true, "Programmed", "Listener is programmed", gen));
            } else if (i.accepted() && i.conflicted()) {
                conds.add(Status.condition("Programmed", false, i.conflictReason(), i.conflictMessage(), gen));
            } else {
                conds.add(Status.condition("Programmed", false, "Invalid", "Listener is not valid", gen));
            }
            l.set("conditions", conds);
            listeners.add(l);
        }
        return listeners;
    }
}
