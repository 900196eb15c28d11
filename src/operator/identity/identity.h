// identity.h: the operator's identity and token formats in one include (spec §2-§3).
//
//   normalize.h           email/phone normalization, hash inputs, identity bytes
//   hash_chain.h          first-level hash, bucket index, raw UID v2/v3/v4
//   hashids.h             bucket ids (Java org.hashids 1.0.3 compatible)
//   advertising_token.h   v4 encode; v2/v3/v4 decode
//   refresh_token.h       v3 refresh token, legacy v2 decode, the 388-char wrapper
//   envelope.h            v2 request envelope, response envelope, keyed replies
//   cstg.h                client-side token generate (ECDH, AAD, origin/app-name checks)
//   special_identities.h  the test identities and special first-level hashes
//
// Nothing here touches the store: keys are parameters (TokenKey) or a KeyLookup callback.
#pragma once

#include "operator/identity/advertising_token.h"
#include "operator/identity/cstg.h"
#include "operator/identity/envelope.h"
#include "operator/identity/hash_chain.h"
#include "operator/identity/hashids.h"
#include "operator/identity/normalize.h"
#include "operator/identity/refresh_token.h"
#include "operator/identity/special_identities.h"
#include "operator/identity/types.h"
