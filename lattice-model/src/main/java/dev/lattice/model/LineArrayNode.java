package dev.lattice.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;

/** An {@link com.fasterxml.jackson.databind.node.ArrayNode} that remembers the line of each element. */
public final class LineArrayNode extends ArrayNode {
    private static final long serialVersionUID = 1L;
    private final int line;
    private final List<Integer> itemLines = new ArrayList<>();

    public LineArrayNode(int line) {
        super(JsonNodeFactory.instance);
        this.line = line;
    }

    public int line() {
        return line;
    }

    /** The line of element {@code index}, or 0 when unknown. */
    public int itemLine(int index) {
        return index >= 0 && index < itemLines.size() ? itemLines.get(index) : 0;
    }

    void addItemLine(int itemLine) {
        itemLines.add(itemLine);
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
