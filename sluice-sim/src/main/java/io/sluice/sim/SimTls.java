package io.sluice.sim;

import io.sluice.common.EpochClock;
import io.sluice.pki.CertificateAuthority;
import io.sluice.pki.Keys;
import io.sluice.pki.TlsContexts;
import io.sluice.protocol.GatewayCertificateName;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * TLS for simulated gateways (--pki-dir): each gets a client certificate with its own CN, {@code gateway-<id>}, issued
 * by the server's authority in that directory, for one key pair all of them share (a simulator stands for thousands of
 * hosts; one key spares thousands of key generations and contexts). One TLS context serves them all: its key manager
 * picks the certificate by the engine it is asked for.
 *
 * <p>The certificates are issued in one batch ({@link #issue(long, int)}) before any gateway connects: issuing on the
 * event loops, a signature and a forced index write per gateway, stalled every loop behind the index's lock and the
 * disk, so that 10,000 gateways did not connect in two minutes.
 */
public final class SimTls {
    private static final Duration VALIDITY = Duration.ofDays(30);

    private final CertificateAuthority ca;
    private final KeyPair keys = Keys.generate();
    private final Map<Long, X509Certificate[]> chains = new ConcurrentHashMap<>();
    private final Map<SSLEngine, Long> engineGateway = new WeakHashMap<>();
    private final SSLContext context;

    private SimTls(CertificateAuthority ca) {
        this.ca = ca;
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", ca.certificate());
            TrustManagerFactory trustManagers =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            context = SSLContext.getInstance(TlsContexts.PROTOCOL);
            context.init(new KeyManager[] {new PerGatewayKeys()}, trustManagers.getTrustManagers(), new SecureRandom());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the simulator's TLS context", e);
        }
    }

    /** The authority kept in {@code pkiDir} (the server's {@code <data-dir>/pki}), which must be this user's. */
    public static SimTls load(Path pkiDir) throws IOException {
        return new SimTls(CertificateAuthority.load(pkiDir, EpochClock.system()));
    }

    /**
     * Issues gateways {@code firstGatewayId} .. {@code firstGatewayId + count - 1} their certificates, with one index
     * write.
     */
    void issue(long firstGatewayId, int count) throws IOException {
        List<String> names = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            names.add(GatewayCertificateName.of(firstGatewayId + i));
        }
        List<X509Certificate> issued =
                ca.issueAll(keys.getPublic(), names, CertificateAuthority.Usage.CLIENT, VALIDITY);
        for (int i = 0; i < count; i++) {
            chains.put(firstGatewayId + i, new X509Certificate[] {issued.get(i), ca.certificate()});
        }
    }

    /**
     * A client engine for gateway {@code gatewayId}, checking that the monitor's certificate names {@code monitor}'s
     * host.
     */
    SSLEngine engine(long gatewayId, InetSocketAddress monitor) {
        if (!chains.containsKey(gatewayId)) {
            throw new IllegalStateException("gateway " + gatewayId + " was issued no certificate");
        }
        SSLEngine engine = TlsContexts.clientEngine(context, monitor.getHostString(), monitor.getPort());
        synchronized (engineGateway) {
            engineGateway.put(engine, gatewayId);
        }
        return engine;
    }

    /** Aliases are gateway ids; the engine says which gateway is connecting. */
    private final class PerGatewayKeys extends X509ExtendedKeyManager {
        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            Long gatewayId;
            synchronized (engineGateway) {
                gatewayId = engineGateway.get(engine);
            }
            return gatewayId == null ? null : Long.toString(gatewayId);
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return chains.get(Long.parseLong(alias));
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return keys.getPrivate();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }
    }
}
