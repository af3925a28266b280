package dev.lattice.proxy.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager over keys already parsed: one entry per certificate, chosen by the key type the handshake asks for
 * (RSA or EC; the first entry of that type). It replaces a PKCS12 {@code KeyStore} behind {@code NewSunX509}, which
 * decrypts the private key (PBKDF2) on every handshake. Nothing is computed per handshake here but a list scan.
 */
final class InMemoryKeyManager extends X509ExtendedKeyManager {
    /** One certificate: its key and chain, leaf first. */
    record Entry(PrivateKey key, List<X509Certificate> chain) {
        Entry {
            chain = List.copyOf(chain);
        }
    }

    private final List<Entry> entries;
    private final String[] aliases;

    InMemoryKeyManager(List<Entry> entries) {
        if (entries.isEmpty()) throw new IllegalArgumentException("no certificate");
        this.entries = List.copyOf(entries);
        this.aliases = new String[entries.size()];
        for (int i = 0; i < aliases.length; i++) aliases[i] = "cert" + i;
    }

    private int index(String alias) {
        if (alias == null || !alias.startsWith("cert")) return -1;
        try {
            int i = Integer.parseInt(alias, 4, alias.length(), 10);
            return i >= 0 && i < entries.size() ? i : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The first alias whose key is of one of {@code keyTypes} ("RSA", "EC"; "EC_EC"/"EC_RSA" as EC), or null. */
    private String choose(String... keyTypes) {
        if (keyTypes == null) return null;
        for (String t : keyTypes) {
            if (t == null) continue;
            String alg = t.startsWith("EC") ? "EC" : t;
            for (int i = 0; i < entries.size(); i++) {
                if (entries.get(i).key().getAlgorithm().equals(alg)) return aliases[i];
            }
        }
        return null;
    }

    private String[] aliasesOf(String keyType) {
        List<String> out = new ArrayList<>();
        String alg = keyType != null && keyType.startsWith("EC") ? "EC" : keyType;
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).key().getAlgorithm().equals(alg)) out.add(aliases[i]);
        }
        return out.isEmpty() ? null : out.toArray(String[]::new);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return aliasesOf(keyType);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return choose(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return aliasesOf(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        int i = index(alias);
        return i < 0 ? null : entries.get(i).chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        int i = index(alias);
        return i < 0 ? null : entries.get(i).key();
    }
}
