package dev.lattice.proxy.config;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;

/**
 * Header modifications (Gateway API RequestHeaderModifier / ResponseHeaderModifier): {@code set} overwrites,
 * {@code add} joins to an existing value with "," (one header line), {@code remove} deletes. Names are lower-cased.
 */
public record HeaderMods(List<Header> set, List<Header> add, List<String> remove) {
    public static final HeaderMods NONE = new HeaderMods(List.of(), List.of(), List.of());

    public HeaderMods {
        set = List.copyOf(requireNonNull(set, "set"));
        add = List.copyOf(requireNonNull(add, "add"));
        remove = requireNonNull(remove, "remove").stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
    }

    public boolean isEmpty() {
        return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }

    /** One header; {@code name} is lower-cased. */
    public record Header(String name, String value) {
        public Header {
            name = requireNonNull(name, "name").toLowerCase(Locale.ROOT);
            requireNonNull(value, "value");
        }
    }
}
