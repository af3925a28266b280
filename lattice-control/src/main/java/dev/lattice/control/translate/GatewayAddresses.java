package dev.lattice.control.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.lattice.model.Resource;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A Gateway's {@code spec.addresses} as local mode honours them (GatewayStaticAddresses), and its
 * {@code status.addresses}. A local gateway binds 0.0.0.0 and is reached on 127.0.0.1, unless it asks for one static
 * address of type IPAddress on the loopback (127.0.0.0/8, ::1), which its listeners then bind. An address of another
 * type, or a value that is not an IP address, is unsupported (the Gateway is not accepted); an IP address off the
 * loopback, or a second static one, is not usable here (accepted, not programmed). An address with a type and no
 * value (GatewayAddressEmpty) asks for one to be assigned: 127.0.0.1.
 */
final class GatewayAddresses {
    static final String LOCAL = "127.0.0.1";
    static final String ANY = "0.0.0.0";
    static final String IP = "IPAddress";

    /**
     * What to do with a Gateway's addresses: the address its listeners bind and the status addresses, or why not:
     * {@code unsupported} (Accepted=False UnsupportedAddress) or {@code notUsable} (Programmed=False AddressNotUsable).
     */
    record Plan(String bind, ArrayNode status, String unsupported, String notUsable) {
        boolean programmable() {
            return unsupported == null && notUsable == null;
        }
    }

    private GatewayAddresses() {}

    static ArrayNode of(Resource gateway) {
        return plan(gateway).status();
    }

    static Plan plan(Resource gateway) {
        JsonNode asked = gateway == null ? null : gateway.object().path("spec").path("addresses");
        List<String> usable = new ArrayList<>();
        String notUsable = null;
        if (asked != null && asked.isArray()) {
            for (JsonNode a : asked) {
                String type = a.path("type").asText(IP);
                String value = a.path("value").asText("");
                if (!type.equals(IP)) {
                    return rejected("address type " + type + " is not supported: local mode binds IP addresses (type IPAddress)");
                }
                if (value.isEmpty()) continue; // an address of this type is to be assigned
                InetAddress ip = literal(value);
                if (ip == null) return rejected("address \"" + value + "\" is not an IP address");
                if (!ip.isLoopbackAddress()) {
                    if (notUsable == null) notUsable = "address " + value + " is not usable: local mode binds loopback addresses only";
                } else if (!usable.contains(value)) {
                    usable.add(value);
                }
            }
        }
        if (notUsable == null && usable.size() > 1) {
            notUsable = "addresses " + String.join(", ", usable) + ": local mode binds one static address per Gateway";
        }
        ArrayNode status = Status.JSON.arrayNode();
        if (notUsable != null) return new Plan(null, status, null, notUsable);
        String bind = usable.isEmpty() ? ANY : usable.get(0);
        status.addObject().put("type", IP).put("value", usable.isEmpty() ? LOCAL : bind);
        return new Plan(bind, status, null, null);
    }

    private static Plan rejected(String why) {
        return new Plan(null, Status.JSON.arrayNode(), why, null);
    }

    /** The IP address written as {@code s}, or null when it is not an IP literal (no name lookup). */
    private static InetAddress literal(String s) {
        if (!s.matches("[0-9.]+") && !(s.contains(":") && s.matches("[0-9a-fA-F:.]+"))) return null;
        try {
            return InetAddress.ofLiteral(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
