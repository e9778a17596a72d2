//! The crate-private logging shim: `defmt` on firmware (feature `defmt`),
//! `log` on the host (feature `log`), or nothing. Both at once is a compile
//! error (in `lib.rs`). Format strings use only `{}`, which both accept;
//! arguments are plain integers.

/// Logs at warn level through whichever backend is on.
macro_rules! log_warn {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {{
        #[cfg(feature = "defmt")]
        defmt::warn!($fmt $(, $arg)*);
        #[cfg(feature = "log")]
        log::warn!($fmt $(, $arg)*);
        #[cfg(not(any(feature = "defmt", feature = "log")))]
        {
            $( let _ = &$arg; )*
        }
    }};
}

/// Logs at debug level through whichever backend is on.
macro_rules! log_debug {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {{
        #[cfg(feature = "defmt")]
        defmt::debug!($fmt $(, $arg)*);
        #[cfg(feature = "log")]
        log::debug!($fmt $(, $arg)*);
        #[cfg(not(any(feature = "defmt", feature = "log")))]
        {
            $( let _ = &$arg; )*
        }
    }};
}

pub(crate) use {log_debug, log_warn};
