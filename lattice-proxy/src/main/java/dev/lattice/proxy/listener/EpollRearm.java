package dev.lattice.proxy.listener;

import io.netty.channel.Channel;
import java.lang.reflect.Field;

/**
 * A workaround for Netty 4.2's epoll transport (seen in 4.2.18 and still in 4.2.20): when a channel's interest set
 * becomes empty, its registration removes the fd from epoll ({@code EPOLL_CTL_DEL}) but keeps believing it is added,
 * so the next interest (EPOLLOUT, when a write has to wait) is an {@code EPOLL_CTL_MOD} that fails with ENOENT, and
 * the channel loses what it still had to write. A relay channel whose input has ended gets there: nothing left to
 * read, and then a large answer for its client. {@link #rearm} puts such a registration back to "not added", so that
 * Netty adds the fd again when it next needs an event. It only touches a registration that is in that broken state
 * (added, no interest), and does nothing when Netty's internals are not what it expects.
 */
public final class EpollRearm {
    private static final Class<?> EPOLL_CHANNEL;
    private static final Field REGISTRATION;
    private static final Field OPS;
    private static final Field OPS_VALUE;
    private static final Field WRAPPED;
    private static final Field STATE;
    private static final Object ADDED;
    private static final Object PENDING;

    static {
        Class<?> channel = null;
        Field registration = null;
        Field ops = null;
        Field opsValue = null;
        Field wrapped = null;
        Field state = null;
        Object added = null;
        Object pending = null;
        try {
            channel = Class.forName("io.netty.channel.epoll.AbstractEpollChannel");
            registration = channel.getDeclaredField("registration");
            ops = channel.getDeclaredField("ops");
            opsValue = Class.forName("io.netty.channel.epoll.EpollIoOps").getDeclaredField("value");
            wrapped = Class.forName("io.netty.channel.SingleThreadIoEventLoop$IoRegistrationWrapper")
                    .getDeclaredField("registration");
            state = Class.forName("io.netty.channel.epoll.EpollIoHandler$DefaultEpollIoRegistration")
                    .getDeclaredField("state");
            for (Object c : state.getType().getEnumConstants()) {
                String name = ((Enum<?>) c).name();
                if (name.equals("Added")) added = c;
                if (name.equals("Pending")) pending = c;
            }
            for (Field f : new Field[] {registration, ops, opsValue, wrapped, state}) f.setAccessible(true);
            if (added == null || pending == null) state = null;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            state = null; // another Netty: leave it alone
        }
        EPOLL_CHANNEL = channel;
        REGISTRATION = registration;
        OPS = ops;
        OPS_VALUE = opsValue;
        WRAPPED = wrapped;
        STATE = state;
        ADDED = added;
        PENDING = pending;
    }

    private EpollRearm() {}

    /** Whether this Netty's internals are the ones the workaround knows. */
    static boolean available() {
        return STATE != null;
    }

    /** Call on the channel's event loop before flushing to it. Returns whether a broken registration was reset. */
    public static boolean rearm(Channel ch) {
        if (STATE == null || !EPOLL_CHANNEL.isInstance(ch) || !ch.isOpen()) return false;
        try {
            Object reg = REGISTRATION.get(ch);
            while (reg != null && WRAPPED.getDeclaringClass().isInstance(reg)) reg = WRAPPED.get(reg);
            if (reg == null || !STATE.getDeclaringClass().isInstance(reg)) return false;
            Object ops = OPS.get(ch);
            if (ops == null || OPS_VALUE.getInt(ops) != 0) return false;
            synchronized (reg) { // Netty's submit() holds this lock
                if (STATE.get(reg) != ADDED) return false;
                STATE.set(reg, PENDING);
                return true;
            }
        } catch (IllegalAccessException | RuntimeException e) {
            return false;
        }
    }
}
