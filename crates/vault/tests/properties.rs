//! Property tests: any record round-trips under any binding, and any single-byte change to
//! the stored blob, or any other binding, is refused without panicking.

use posylka_vault::{Binding, KeyId, Keyring, MasterKey, Sealed};
use proptest::prelude::*;
use secrecy::ExposeSecret as _;

fn ring(key: [u8; 32]) -> Keyring {
    Keyring::new(MasterKey::new(KeyId::new("k1").expect("id"), key))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn seal_open_round_trips(
        key in any::<[u8; 32]>(),
        plaintext in proptest::collection::vec(any::<u8>(), 0..512),
        context in "[a-z.]{0,16}",
        record in ".{0,24}",
    ) {
        let ring = ring(key);
        let binding = Binding::new(context, record);
        let sealed = ring.seal(&binding, &plaintext).expect("seal");
        let stored = Sealed::from_bytes(&sealed.to_bytes()).expect("blob");
        let opened = ring.open(&binding, &stored).expect("open");
        prop_assert_eq!(opened.expose_secret(), &plaintext[..]);
    }

    #[test]
    fn any_changed_byte_or_binding_is_refused(
        plaintext in proptest::collection::vec(any::<u8>(), 0..64),
        position in any::<prop::sample::Index>(),
        flip in 1u8..=255,
        other in "[0-9]{1,6}",
    ) {
        let ring = ring([3; 32]);
        let binding = Binding::new("customs.identity", "parcel:1");
        let sealed = ring.seal(&binding, &plaintext).expect("seal");
        let mut bytes = sealed.to_bytes();
        let i = position.index(bytes.len());
        bytes[i] ^= flip;
        // A changed header may not even parse; a parsed one must not open.
        if let Ok(changed) = Sealed::from_bytes(&bytes) {
            prop_assert!(ring.open(&binding, &changed).is_err());
        }
        let moved = Binding::new("customs.identity", format!("parcel:1{other}"));
        prop_assert!(ring.open(&moved, &sealed).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(sealed) = Sealed::from_bytes(&bytes) {
            let _ = ring([1; 32]).open(&Binding::new("c", "r"), &sealed);
        }
    }
}
