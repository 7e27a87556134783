//! `kubectl describe` text (Pod, Node, Service, Deployment, ReplicaSet, PersistentVolumeClaim,
//! Endpoints) read into the same typed objects the YAML path produces.
