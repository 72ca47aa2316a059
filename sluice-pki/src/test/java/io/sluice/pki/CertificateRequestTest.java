package io.sluice.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CertificateRequestTest {
    @Test
    void aRequestShowsItsSenderHoldsTheKey() throws Exception {
        var keys = Keys.generate();

        CertificateRequest request = CertificateRequest.parse(CertificateRequest.create(keys, "gateway-1"));

        assertThat(request.publicKey()).isEqualTo(keys.getPublic());
        assertThat(request.commonName()).isEqualTo("gateway-1");
    }

    @Test
    void aRequestSignedByAnotherKeyIsRefused() throws Exception {
        var claimed = Keys.generate();
        var signer = Keys.generate();
        byte[] forged = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=gateway-1"), claimed.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()))
                .getEncoded();

        assertThatThrownBy(() -> CertificateRequest.parse(forged))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("does not verify");
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void garbageIsATypedRefusal(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] request = CertificateRequest.create(Keys.generate(), "gateway-1");
        for (int i = 0; i < 1 + random.nextInt(8); i++) {
            request[random.nextInt(request.length)] ^= (byte) (1 + random.nextInt(255));
        }

        assertThatThrownBy(() -> CertificateRequest.parse(request)).isInstanceOf(KeyMaterialException.class);
    }

    @Test
    void anOversizeRequestIsRefusedUnread() {
        assertThatThrownBy(() -> CertificateRequest.parse(new byte[CertificateRequest.MAX_ENCODED_LENGTH + 1]))
                .isInstanceOf(KeyMaterialException.class)
                .hasMessageContaining("bytes");
    }
}
