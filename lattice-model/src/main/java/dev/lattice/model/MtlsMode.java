package dev.lattice.model;

import java.util.List;

/** How a destination's inbound port takes connections: only mTLS, mTLS or plaintext, or plaintext only. */
public enum MtlsMode {
    STRICT, PERMISSIVE, DISABLE;

    static MtlsMode read(Field f, MtlsMode def) {
        String s = f.oneOf(null, List.of("STRICT", "PERMISSIVE", "DISABLE"));
        return s == null ? def : valueOf(s);
    }
}
