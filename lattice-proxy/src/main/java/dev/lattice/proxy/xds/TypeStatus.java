package dev.lattice.proxy.xds;

/**
 * Per-type xDS state for the config dump: the last ACKed version and, if the last response was NACKed, its
 * version and reason ({@code null} when none).
 */
public record TypeStatus(String typeUrl, String ackedVersion, String nackedVersion, String nackReason, long accepted,
        long rejected) {
    public static TypeStatus initial(String typeUrl) {
        return new TypeStatus(typeUrl, "", null, null, 0, 0);
    }

    TypeStatus ack(String version) {
        return new TypeStatus(typeUrl, version, null, null, accepted + 1, rejected);
    }

    TypeStatus nack(String version, String reason) {
        return new TypeStatus(typeUrl, ackedVersion, version, reason, accepted, rejected + 1);
    }
}
