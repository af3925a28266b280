package dev.lattice.control.xds;

/** The xDS resource types Lattice serves, and the short names the admin API uses for them. */
public final class XdsTypes {
    public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";

    private XdsTypes() {}

    /** "CDS" for clusters, "LDS" for listeners, "EDS"/"RDS"/"SDS" for the others, else the type URL itself. */
    public static String shortName(String typeUrl) {
        if (typeUrl == null || typeUrl.isEmpty()) return "ADS";
        if (typeUrl.endsWith(".Cluster")) return "CDS";
        if (typeUrl.endsWith(".Listener")) return "LDS";
        if (typeUrl.endsWith(".ClusterLoadAssignment")) return "EDS";
        if (typeUrl.endsWith(".RouteConfiguration")) return "RDS";
        if (typeUrl.endsWith(".Secret")) return "SDS";
        return typeUrl;
    }
}
