/** The real ZeroMQ backend: the only place in the package that imports `zeromq`. */
export { ZmqTransport } from './zmq-transport.js';
export { ZmqSocket } from './zmq-socket.js';
