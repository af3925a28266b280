package dev.lattice.cli;

import java.util.List;

/** A kubectl-like table: columns left-aligned, separated by three spaces. */
final class Table {
    private Table() {}

    static String render(List<List<String>> rows) {
        if (rows.isEmpty()) return "";
        int cols = rows.getFirst().size();
        int[] width = new int[cols];
        for (List<String> r : rows) {
            for (int i = 0; i < cols; i++) width[i] = Math.max(width[i], r.get(i).length());
        }
        StringBuilder b = new StringBuilder();
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                line.append(r.get(i));
                if (i < cols - 1) line.append(" ".repeat(width[i] - r.get(i).length() + 3));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }
}
