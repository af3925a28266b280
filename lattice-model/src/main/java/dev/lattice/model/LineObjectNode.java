package dev.lattice.model;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;

/**
 * An {@link ObjectNode} that remembers the line where it starts and the line of each of its fields, as the
 * YAML reader found them. It is equal to any ObjectNode with the same fields (lines do not take part).
 */
public final class LineObjectNode extends ObjectNode {
    private static final long serialVersionUID = 1L;
    private final int line;
    private final Map<String, Integer> fieldLines = new HashMap<>();

    public LineObjectNode(int line) {
        super(JsonNodeFactory.instance);
        this.line = line;
    }

    /** 1-based line where this object starts, 0 when unknown. */
    public int line() {
        return line;
    }

    /** The line of field {@code name}, or 0 when unknown. */
    public int fieldLine(String name) {
        return fieldLines.getOrDefault(name, 0);
    }

    void setFieldLine(String name, int fieldLine) {
        fieldLines.put(name, fieldLine);
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }
}
