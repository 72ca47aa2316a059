package io.sluice.gateway;

import io.sluice.gateway.export.AddressRange;
import io.sluice.gateway.export.ExportAccess;
import io.sluice.gateway.nbd.NbdDescriptor;
import io.sluice.gateway.qos.QosParameters;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * One export as configured: {@code NAME=TARGET[,ro]} on the command line, where TARGET is a file, a block device or an
 * upstream NBD URI ({@code nbd://HOST:PORT/EXPORT}, {@code nbd+unix:///EXPORT?socket=PATH}); in the config file also
 * the backend it shares (null: a backend of its own), its QoS parameters, and whether it is shared: the same volume
 * served by other gateways under the same name, which the server then controls as one volume; and who may use it
 * ({@link Access}).
 */
public record ExportConfig(
        String name,
        String target,
        boolean readOnly,
        String backend,
        QosParameters qos,
        boolean shared,
        Access access) {
    private static final String READ_ONLY_SUFFIX = ",ro";

    public ExportConfig {
        if (name == null
                || name.isEmpty()
                || name.getBytes(StandardCharsets.UTF_8).length > NbdDescriptor.MAX_STRING_LENGTH
                || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("export name must be 1 to 4096 bytes without NUL: '" + name + "'");
        }
        if (target == null || target.isEmpty()) {
            throw new IllegalArgumentException("export '" + name + "' has no target");
        }
        if (qos == null) {
            qos = QosParameters.UNLIMITED;
        }
        if (access == null) {
            access = Access.DEFAULT;
        }
    }

    /** An export with a backend of its own, no limits and the gateway's default access. */
    public ExportConfig(String name, String target, boolean readOnly) {
        this(name, target, readOnly, null, QosParameters.UNLIMITED, false, Access.DEFAULT);
    }

    /**
     * Who may use the export, as configured.
     *
     * @param tls require, allow or off; null: the gateway's default (require when it has TLS certificates)
     * @param clientNames common names of the client certificates let in
     * @param fingerprints SHA-256 fingerprints of the client certificates let in
     * @param addresses source address blocks (CIDR) let in
     */
    public record Access(
            ExportAccess.Tls tls, List<String> clientNames, List<String> fingerprints, List<String> addresses) {
        public static final Access DEFAULT = new Access(null, List.of(), List.of(), List.of());

        public Access {
            clientNames = clientNames == null ? List.of() : List.copyOf(clientNames);
            fingerprints = fingerprints == null ? List.of() : List.copyOf(fingerprints);
            addresses = addresses == null ? List.of() : List.copyOf(addresses);
        }

        /** The rule the gateway enforces, with {@code defaultTls} for an export that names no mode. */
        ExportAccess resolve(ExportAccess.Tls defaultTls) {
            return new ExportAccess(
                    tls == null ? defaultTls : tls,
                    Set.copyOf(clientNames),
                    Set.copyOf(fingerprints),
                    addresses.stream().map(AddressRange::parse).toList());
        }
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
