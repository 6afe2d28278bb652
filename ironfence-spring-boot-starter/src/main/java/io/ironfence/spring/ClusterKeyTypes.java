package io.ironfence.spring;

import io.ironfence.cluster.ClusterLockKeys;

/**
 * The start-up check of a cluster-scoped name's key type. A class of its own, so that the cluster
 * module is only loaded for names declared {@code scope: cluster} (for which it must be there).
 */
final class ClusterKeyTypes {

    private ClusterKeyTypes() {
    }

    static void requireEncodable(String name, Class<?> keyType, String where) {
        if (!ClusterLockKeys.canEncode(keyType)) {
            throw new IllegalStateException(where + " locks cluster-scoped lock '" + name + "' by a key of type "
                    + keyType.getName() + ", which does not encode the same in every JVM. Cluster lock keys must be "
                    + "Strings, integral numbers, UUIDs or enums: key on an identifier (e.g. key = \"#order.id\").");
        }
    }
}
