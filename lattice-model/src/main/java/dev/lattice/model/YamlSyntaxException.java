package dev.lattice.model;

/** The text is not valid YAML; {@link #line()} is 1-based (0 when the parser did not say). */
public final class YamlSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int line;

    public YamlSyntaxException(int line, String message) {
        super(message);
        this.line = line;
    }

    public int line() {
        return line;
    }
}
