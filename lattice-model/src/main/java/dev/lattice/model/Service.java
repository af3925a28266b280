package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Core v1 Service: selector and ports. A Service without a selector selects no Workloads. */
public record Service(ObjectMeta meta, Map<String, String> selector, List<Port> ports) implements MeshObject {
    public static final String KIND = "Service";
    public static final String H2C = "kubernetes.io/h2c";
    static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    /**
     * One Service port; the target is {@code targetPortNumber} or, when that is null, the Workload port named
     * {@code targetPortName}. protocol is TCP unless written.
     */
    public record Port(String name, int port, Integer targetPortNumber, String targetPortName, String protocol,
                       String appProtocol) {
        public Port {
            requireNonNull(name, "name");
            requireNonNull(protocol, "protocol");
            if ((targetPortNumber == null) == (targetPortName == null)) {
                throw new IllegalArgumentException("exactly one of targetPortNumber and targetPortName");
            }
        }

        public boolean h2c() {
            return H2C.equals(appProtocol);
        }

        /** The app port of {@code w} this port targets, or null when {@code w} has no port of that name. */
        public Integer targetOn(Workload w) {
            if (targetPortNumber != null) return targetPortNumber;
            Workload.Port wp = w.port(targetPortName);
            return wp == null ? null : wp.port();
        }
    }

    /** Whether this Service selects {@code w}: same namespace, and a non-empty selector that its labels all match. */
    public boolean selects(Workload w) {
        if (selector.isEmpty() || !w.meta().namespace().equals(meta.namespace())) return false;
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(w.meta().labels().get(e.getKey())));
    }

    public Service {
        requireNonNull(meta, "meta");
        selector = Map.copyOf(selector);
        ports = List.copyOf(ports);
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** The port numbered {@code number}, or null. */
    public Port port(int number) {
        for (Port p : ports) if (p.port() == number) return p;
        return null;
    }

    static Service read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        Field spec = root.get("spec");
        spec.object();
        Map<String, String> selector = spec.get("selector").stringMap();
        List<Port> ports = new ArrayList<>();
        List<Field> pf = spec.get("ports").list();
        if (pf.isEmpty()) spec.get("ports").problem("required: at least one port");
        Set<String> names = new HashSet<>();
        Set<Integer> numbers = new HashSet<>();
        for (Field p : pf) {
            if (!p.object()) continue;
            p.known("name", "protocol", "appProtocol", "port", "targetPort", "nodePort");
            String name = p.get("name").string("");
            if (pf.size() > 1 && name.isEmpty()) p.get("name").problem("required when a Service has more than one port");
            if (!name.isEmpty() && !PORT_NAME.matcher(name).matches()) {
                p.get("name").problem("must be a lowercase name (a-z, 0-9, '-'), not \"" + name + "\"");
            }
            if (!name.isEmpty() && !names.add(name)) p.get("name").problem("duplicate port name \"" + name + "\"");
            Integer port = p.get("port").port(true);
            if (port != null && !numbers.add(port)) p.get("port").problem("duplicate port " + port);
            Field tp = p.get("targetPort");
            Integer tNum = null;
            String tName = null;
            if (!tp.present()) {
                tNum = port;
            } else if (tp.json().isIntegralNumber()) {
                tNum = tp.port(false);
            } else if (tp.json().isTextual()) {
                String s = tp.json().asText();
                if (s.matches("[0-9]+")) {
                    tp.problem("a port number must not be quoted: write " + s);
                } else if (!PORT_NAME.matcher(s).matches() || s.length() > 15) {
                    tp.problem("must be a port number or a Workload port name, not \"" + s + "\"");
                } else {
                    tName = s;
                }
            } else {
                tp.problem("must be a port number or a Workload port name");
            }
            String protocol = p.get("protocol").oneOf("TCP", List.of("TCP", "UDP", "SCTP"));
            String appProtocol = p.get("appProtocol").string(null);
            if (port == null) continue;
            if (tNum == null && tName == null) tNum = port;
            ports.add(new Port(name, port, tNum, tName, protocol, appProtocol));
        }
        return new Service(meta, selector, ports);
    }
}
