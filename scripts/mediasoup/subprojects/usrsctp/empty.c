/* Placeholder for a library target mediasoup names but never builds. */
typedef int chunfeng_placeholder;
