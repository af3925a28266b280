package dev.lattice.control.ca;

/** A CA that cannot be used (its certificate or key does not parse, they do not match, it is not a CA); the message says which. */
public final class CaException extends Exception {
    public CaException(String message) {
        super(message);
    }

    public CaException(String message, Throwable cause) {
        super(message, cause);
    }
}
