//! The line splitter: lines across reads, over-long lines, resync.

use hio::{Error, IoKind, Ring};
use hio_hal::{LineSplitter, TooLong};

fn all<const MAX: usize, const N: usize>(
    split: &mut LineSplitter<MAX>,
    ring: &mut Ring<N>,
) -> Vec<Result<Vec<u8>, TooLong>> {
    let mut out = Vec::new();
    while let Some(item) = split.next_line(ring) {
        out.push(item.map(<[u8]>::to_vec));
    }
    out
}

#[test]
fn lines_split_across_reads() {
    let mut ring: Ring<8> = Ring::new();
    let mut split: LineSplitter<16> = LineSplitter::new();
    let mut got = Vec::new();
    // a small ring that wraps, fed a few bytes at a time
    for part in [&b"hel"[..], b"lo wo", b"rld\r", b"\nsecond", b" line\n\n"] {
        let mut rest = part;
        while !rest.is_empty() {
            let n = ring.write(rest);
            rest = &rest[n..];
            got.extend(all(&mut split, &mut ring));
        }
    }
    assert_eq!(
        got,
        vec![
            Ok(b"hello world".to_vec()),
            Ok(b"second line".to_vec()),
            Ok(Vec::new())
        ]
    );
    assert_eq!(split.pending(), 0);
}

#[test]
fn an_over_long_line_is_one_error_and_the_next_line_is_whole() {
    let mut ring: Ring<64> = Ring::new();
    let mut split: LineSplitter<4> = LineSplitter::new();
    assert_eq!(ring.write(b"abcd\nabcde\nxy\n"), 14);
    assert_eq!(
        all(&mut split, &mut ring),
        vec![
            Ok(b"abcd".to_vec()),
            Err(TooLong { len: 5 }),
            Ok(b"xy".to_vec())
        ]
    );
}

#[test]
fn an_over_long_line_across_many_reads() {
    let mut split: LineSplitter<4> = LineSplitter::new();
    let mut ring: Ring<4> = Ring::new();
    let mut results = Vec::new();
    let input = b"0123456789012345678901234567890123456789\r\nok\r\n";
    for chunk in input.chunks(3) {
        assert_eq!(ring.write(chunk), chunk.len());
        results.extend(all(&mut split, &mut ring));
        if results.is_empty() && ring.is_empty() && input.len() > 10 {
            assert!(split.is_discarding() || split.pending() <= 4);
        }
    }
    assert_eq!(results, vec![Err(TooLong { len: 40 }), Ok(b"ok".to_vec())]);
}

#[test]
fn exactly_max_fits_with_or_without_cr() {
    let mut split: LineSplitter<4> = LineSplitter::new();
    let mut ring: Ring<32> = Ring::new();
    assert_eq!(ring.write(b"abcd\r\nwxyz\n"), 11);
    assert_eq!(
        all(&mut split, &mut ring),
        vec![Ok(b"abcd".to_vec()), Ok(b"wxyz".to_vec())]
    );
    // the \r arriving alone, in a later read
    for part in [&b"abcd"[..], b"\r", b"\n"] {
        assert_eq!(ring.write(part), part.len());
    }
    assert_eq!(all(&mut split, &mut ring), vec![Ok(b"abcd".to_vec())]);
    // a \r past MAX that is not followed by \n makes the line too long
    assert_eq!(ring.write(b"abcd\rz\n"), 7);
    assert_eq!(all(&mut split, &mut ring), vec![Err(TooLong { len: 6 })]);
    // ... and so does a \r past MAX when \r is not stripped
    split.strip_cr(false);
    assert_eq!(ring.write(b"abc\r\nabcd\r\n"), 11);
    assert_eq!(
        all(&mut split, &mut ring),
        vec![Ok(b"abc\r".to_vec()), Err(TooLong { len: 5 })]
    );
}

#[test]
fn feed_works_on_slices() {
    let mut split: LineSplitter<8> = LineSplitter::new();
    let input = b"one\ntwo\r\nthr";
    let (n, line) = split.feed(input);
    assert_eq!((n, line), (4, Some(Ok(&b"one"[..]))));
    let (m, line) = split.feed(&input[n..]);
    assert_eq!((m, line), (5, Some(Ok(&b"two"[..]))));
    let (k, line) = split.feed(&input[n + m..]);
    assert_eq!((k, line), (3, None));
    assert_eq!(split.pending(), 3);
    assert_eq!(split.feed(b"ee\n"), (3, Some(Ok(&b"three"[..]))));
    split.feed(b"partial");
    split.reset();
    assert_eq!(split.feed(b"x\n"), (2, Some(Ok(&b"x"[..]))));
}

#[test]
fn too_long_is_an_hio_error() {
    let e: Error = TooLong { len: 9 }.into();
    assert_eq!(e, Error::Io(IoKind::TooLong));
    assert_eq!(
        TooLong { len: 9 }.to_string(),
        "line of 9 bytes is too long"
    );
}

#[test]
fn nothing_is_lost_in_a_random_stream() {
    // random lines, some too long, cut into random reads through a small ring
    let mut x = 99u32;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let mut input = Vec::new();
    let mut expected = Vec::new();
    for _ in 0..2000 {
        let len = (rnd() % 24) as usize;
        let line: Vec<u8> = (0..len).map(|_| b'a' + (rnd() % 26) as u8).collect();
        input.extend_from_slice(&line);
        input.push(b'\n');
        expected.push(if len <= 16 {
            Ok(line)
        } else {
            Err(TooLong { len })
        });
    }
    let mut split: LineSplitter<16> = LineSplitter::new();
    let mut ring: Ring<7> = Ring::new();
    let mut got = Vec::new();
    let mut rest = &input[..];
    while !rest.is_empty() {
        let want = (rnd() % 9) as usize;
        let n = ring.write(&rest[..want.min(rest.len())]);
        rest = &rest[n..];
        got.extend(all(&mut split, &mut ring));
    }
    assert_eq!(got, expected);
}
