package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * discovery.k8s.io/v1 EndpointSlice: endpoints written by hand for the Service its label
 * {@code kubernetes.io/service-name} names. They count for a Service without a selector only (a Service with a
 * selector gets its endpoints from the Workloads it selects, as on Kubernetes the endpoint controller owns those
 * slices). Addresses are IP literals where the app listens (127.0.0.1 in local mode); addressType FQDN is not read.
 */
public record EndpointSlice(ObjectMeta meta, String serviceName, String addressType, List<Port> ports,
                            List<Endpoint> endpoints) implements MeshObject {
    public static final String KIND = "EndpointSlice";
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /** A port of the slice: its name matches the Service port's name ("" for an unnamed one). */
    public record Port(String name, int port, String protocol) {
        public Port {
            requireNonNull(name, "name");
            requireNonNull(protocol, "protocol");
        }
    }

    /** An endpoint: its addresses, and whether it is ready (conditions.ready; unset means ready). */
    public record Endpoint(List<String> addresses, boolean ready) {
        public Endpoint {
            addresses = List.copyOf(addresses);
        }
    }

    public EndpointSlice {
        requireNonNull(meta, "meta");
        requireNonNull(addressType, "addressType");
        ports = List.copyOf(ports);
        endpoints = List.copyOf(endpoints);
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** The slice's port named {@code name} ("" for the unnamed port), or null. */
    public Port port(String name) {
        for (Port p : ports) if (p.name().equals(name)) return p;
        return null;
    }

    static EndpointSlice read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        root.known("apiVersion", "kind", "metadata", "addressType", "ports", "endpoints");
        String addressType = root.get("addressType").oneOf("IPv4", List.of("IPv4", "IPv6", "FQDN"));
        if (root.get("addressType").present() && addressType.equals("FQDN")) {
            root.get("addressType").problem("FQDN is not supported: Lattice connects to IP addresses (IPv4 or IPv6)");
        }
        root.get("addressType").require();
        List<Port> ports = new ArrayList<>();
        for (Field p : root.get("ports").list()) {
            if (!p.object()) continue;
            p.known("name", "port", "protocol", "appProtocol");
            String name = p.get("name").string("");
            Integer port = p.get("port").port(true);
            String protocol = p.get("protocol").oneOf("TCP", List.of("TCP", "UDP", "SCTP"));
            if (port != null) ports.add(new Port(name, port, protocol));
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (Field e : root.get("endpoints").list()) {
            if (!e.object()) continue;
            e.known("addresses", "conditions", "hostname", "targetRef", "nodeName", "zone", "hints", "deprecatedTopology");
            Field af = e.get("addresses");
            af.require();
            List<String> addresses = af.strings();
            for (int i = 0; i < addresses.size(); i++) {
                String a = addresses.get(i);
                boolean v6 = a.contains(":");
                if (!Workload.isIpLiteral(a) || (addressType.equals("IPv4") == v6 && !addressType.equals("FQDN"))) {
                    af.at(i).problem("must be an " + addressType + " address such as " + (addressType.equals("IPv6") ? "::1" : "127.0.0.1")
                            + ", not \"" + a + "\"");
                }
            }
            Field cf = e.get("conditions");
            boolean ready = true;
            if (cf.present() && cf.object()) {
                cf.known("ready", "serving", "terminating");
                ready = cf.get("ready").bool(true);
                cf.get("serving").bool(true);
                cf.get("terminating").bool(false);
            }
            endpoints.add(new Endpoint(addresses, ready));
        }
        return new EndpointSlice(meta, meta.labels().get(SERVICE_NAME_LABEL), addressType, ports, endpoints);
    }
}
