//! `kubectl get` tables (pods, nodes, services, endpoints, pvc, deployments, events) read into
//! typed objects that fill the model where nothing better exists.
