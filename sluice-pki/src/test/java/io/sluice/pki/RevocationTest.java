package io.sluice.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.EpochClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RevocationTest {
    @TempDir
    Path dir;

    private CertificateAuthority ca;
    private KeyMaterial gateway;
    private SSLContext serverContext;

    @BeforeEach
    void issue() throws Exception {
        ca = CertificateAuthority.create(dir.resolve("ca"), "Sluice test CA", EpochClock.system());
        KeyMaterial server = ca.issueKeyMaterial(
                "monitor", List.of("127.0.0.1"), CertificateAuthority.Usage.SERVER, Duration.ofDays(1));
        gateway = ca.issueKeyMaterial("gateway-7", List.of(), CertificateAuthority.Usage.CLIENT, Duration.ofDays(1));
        serverContext = TlsContexts.create(server, List.of(ca.certificate()), ca.revocations());
    }

    @Test
    void aRevokedCertificateIsRefusedAtTheNextHandshakeOfARunningServer() throws Exception {
        handshake(gateway);

        ca.revoke(gateway.certificate().getSerialNumber());

        assertThatThrownBy(() -> handshake(gateway)).isInstanceOf(SSLException.class);
        KeyMaterial other =
                ca.issueKeyMaterial("gateway-8", List.of(), CertificateAuthority.Usage.CLIENT, Duration.ofDays(1));
        handshake(other);
    }

    @Test
    void anUnreadableListRefusesEveryone() throws Exception {
        Files.writeString(dir.resolve("ca").resolve(RevocationList.FILE), "not a serial\n");

        assertThatThrownBy(() -> handshake(gateway)).isInstanceOf(SSLException.class);
    }

    @Test
    void theIndexListsEveryIssuedCertificate() throws Exception {
        List<CertificateIndex.Entry> entries = ca.index().entries();

        assertThat(entries).extracting(CertificateIndex.Entry::commonName).containsExactly("monitor", "gateway-7");
        assertThat(entries)
                .extracting(CertificateIndex.Entry::usage)
                .containsExactly(CertificateAuthority.Usage.SERVER, CertificateAuthority.Usage.CLIENT);
        assertThat(entries.get(1).serial()).isEqualTo(gateway.certificate().getSerialNumber());
        assertThat(entries.get(1).fingerprint()).isEqualTo(Certificates.fingerprint(gateway.certificate()));
        assertThat(entries.get(1).notAfterMillis())
                .isEqualTo(gateway.certificate().getNotAfter().getTime());
    }

    private void handshake(KeyMaterial client) throws Exception {
        InMemoryHandshake.run(
                TlsContexts.clientEngine(TlsContexts.create(client, List.of(ca.certificate())), "127.0.0.1", 7000),
                TlsContexts.serverEngine(serverContext, TlsContexts.ClientAuth.REQUIRED));
    }
}
