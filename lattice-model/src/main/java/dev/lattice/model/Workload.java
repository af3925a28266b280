package dev.lattice.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * lattice.dev/v1alpha1 Workload, the stand-in for a Pod off Kubernetes: where the app listens, its identity, an
 * optional command that `lattice up` runs, and its sidecar (ports null when they are to be chosen).
 */
public record Workload(ObjectMeta meta, String address, List<Port> ports, String serviceAccount, List<String> command,
                       Map<String, String> env, Sidecar sidecar) implements MeshObject {
    public static final String KIND = "Workload";

    public record Port(String name, int port) {
        public Port {
            requireNonNull(name, "name");
        }
    }

    public record Sidecar(boolean inject, Integer outboundPort, Integer adminPort) {}

    public Workload {
        requireNonNull(meta, "meta");
        requireNonNull(address, "address");
        ports = List.copyOf(ports);
        requireNonNull(serviceAccount, "serviceAccount");
        command = List.copyOf(command);
        env = Map.copyOf(env);
        requireNonNull(sidecar, "sidecar");
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** The port named {@code name}, or null. */
    public Port port(String name) {
        for (Port p : ports) if (p.name().equals(name)) return p;
        return null;
    }

    /** The port numbered {@code number}, or null. */
    public Port port(int number) {
        for (Port p : ports) if (p.port() == number) return p;
        return null;
    }

    static Workload read(Resource r, Field root, List<Problem> problems) {
        ObjectMeta meta = ObjectMeta.read(r, root, problems);
        Field spec = root.get("spec");
        spec.object();
        spec.known("address", "ports", "serviceAccount", "command", "env", "sidecar");
        String address = spec.get("address").string("127.0.0.1");
        if (!isIpLiteral(address)) {
            spec.get("address").problem("must be an IP address such as 127.0.0.1, not \"" + address + "\"");
        } else if (address.equals("0.0.0.0") || address.equals("::")) {
            spec.get("address").problem("must be the address the app is reached at, such as 127.0.0.1, not the wildcard " + address);
        }
        List<Port> ports = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<Integer> numbers = new HashSet<>();
        for (Field p : spec.get("ports").list()) {
            if (!p.object()) continue;
            p.known("name", "port");
            String name = p.get("name").string("");
            if (!name.isEmpty() && (!Service.PORT_NAME.matcher(name).matches() || name.length() > 15)) {
                p.get("name").problem("must be a lowercase name of at most 15 characters (a-z, 0-9, '-'), not \"" + name + "\"");
            }
            if (!name.isEmpty() && !names.add(name)) p.get("name").problem("duplicate port name \"" + name + "\"");
            Integer port = p.get("port").port(true);
            if (port != null && !numbers.add(port)) p.get("port").problem("duplicate port " + port);
            if (port != null) ports.add(new Port(name, port));
        }
        String sa = spec.get("serviceAccount").string("default");
        if (sa.isEmpty()) spec.get("serviceAccount").problem("must not be empty");
        List<String> command = spec.get("command").strings();
        if (spec.get("command").present() && command.isEmpty()) spec.get("command").problem("must not be empty when given");
        Map<String, String> env = spec.get("env").stringMap();
        Field sc = spec.get("sidecar");
        sc.object();
        sc.known("inject", "outboundPort", "adminPort");
        boolean inject = sc.get("inject").bool(true);
        Integer outbound = sc.get("outboundPort").port(false);
        Integer admin = sc.get("adminPort").port(false);
        if (outbound != null && outbound.equals(admin)) sc.get("adminPort").problem("must differ from outboundPort " + outbound);
        return new Workload(meta, address, ports, sa, command, env, new Sidecar(inject, outbound, admin));
    }

    static boolean isIpLiteral(String s) {
        if (s.matches("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})")) {
            for (String part : s.split("\\.")) if (Integer.parseInt(part) > 255) return false;
            return true;
        }
        return s.contains(":") && s.matches("[0-9a-fA-F:.]+");
    }
}
