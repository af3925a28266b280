package dev.lattice.cli;

import dev.lattice.proxy.ProxyMain;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lattice} command. */
@Command(name = "lattice", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "lattice 0.1.0",
        description = "Lattice: a service mesh (xDS control plane and Netty proxy), runnable on one machine.",
        subcommands = {UpCommand.class, ValidateCommand.class, GetCommand.class, StatusCommand.class,
                EchoCommand.class, ProxyCommand.class, AuthzCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code. */
    public static int run(String... args) {
        ProxyMain.exitWithParent();
        if (args.length > 0 && args[0].equals("proxy")) {
            // passed through as it is, so that the proxy's own flags and --help reach it
            return ProxyCommand.runProxy(Arrays.copyOfRange(args, 1, args.length));
        }
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Runs a class's {@code main(String[])} by name (for modules this one need not compile against). */
    static int invokeMain(String className, String[] args) {
        try {
            Class<?> c = Class.forName(className);
            c.getMethod("main", String[].class).invoke(null, (Object) args);
            return 0;
        } catch (ClassNotFoundException e) {
            System.err.println("lattice: " + className + " is not on the class path (was lattice-proxy built?)");
            return 1;
        } catch (InvocationTargetException e) {
            e.getCause().printStackTrace();
            return 1;
        } catch (ReflectiveOperationException e) {
            System.err.println("lattice: cannot run " + className + ".main: " + e);
            return 1;
        }
    }
}
