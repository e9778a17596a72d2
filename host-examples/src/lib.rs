//! Host helpers shared by the examples.
