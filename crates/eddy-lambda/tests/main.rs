//! eddy-lambda integration suite: a real eddy (server + engine + functions) in-process on
//! 127.0.0.1:0, driven over HTTP, running real python3, node and `bootstrap` processes.

mod crud;
mod harness;
mod node;
mod provided;
mod python;
