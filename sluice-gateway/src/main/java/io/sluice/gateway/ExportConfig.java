package io.sluice.gateway;

import io.sluice.gateway.nbd.NbdDescriptor;
import io.sluice.gateway.qos.QosParameters;
import java.nio.charset.StandardCharsets;

/**
 * One export as configured: {@code NAME=TARGET[,ro]} on the command line, where TARGET is a file,
 * a block device or an upstream NBD URI ({@code nbd://HOST:PORT/EXPORT},
 * {@code nbd+unix:///EXPORT?socket=PATH}); in the config file also the backend it shares (null:
 * a backend of its own), its QoS parameters, and whether it is shared: the same volume served by other
 * gateways under the same name, which the server then controls as one volume.
 */
public record ExportConfig(String name, String target, boolean readOnly, String backend, QosParameters qos,
                           boolean shared) {
    private static final String READ_ONLY_SUFFIX = ",ro";

    public ExportConfig {
        if (name == null || name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > NbdDescriptor.MAX_STRING_LENGTH
                || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("export name must be 1 to 4096 bytes without NUL: '" + name + "'");
        }
        if (target == null || target.isEmpty()) {
            throw new IllegalArgumentException("export '" + name + "' has no target");
        }
        if (qos == null) {
            qos = QosParameters.UNLIMITED;
        }
    }

    /** An export with a backend of its own and no limits. */
    public ExportConfig(String name, String target, boolean readOnly) {
        this(name, target, readOnly, null, QosParameters.UNLIMITED, false);
    }

    public static ExportConfig parse(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("export must be NAME=TARGET[,ro]: " + spec);
        }
        String target = spec.substring(eq + 1);
        boolean readOnly = target.endsWith(READ_ONLY_SUFFIX);
        if (readOnly) {
            target = target.substring(0, target.length() - READ_ONLY_SUFFIX.length());
        }
        return new ExportConfig(spec.substring(0, eq), target, readOnly);
    }
}
