package dev.lattice.control.admin;

import dev.lattice.control.ProxyId;

/** What runs each proxy, as whoever started it knows it ({@code lattice up}); used by the admin API. */
public interface ProcessStates {
    /** "running", "starting", "restarting (exit 1)", "stopped" ... or "external" when nobody here runs it. */
    String state(ProxyId id);

    /** The OS pid of the process, or null. */
    Long pid(ProxyId id);

    ProcessStates EXTERNAL = new ProcessStates() {
        @Override
        public String state(ProxyId id) {
            return "external";
        }

        @Override
        public Long pid(ProxyId id) {
            return null;
        }
    };
}
