//! The values JSON schema cannot check: versions, package names, checksums. Read before any
//! connection, refused with the reason when they are not what they claim to be.

use ftd_device::ops::OpError;
use ftd_device::ops::checksum::Checksum;
use ftd_device::version::{Package, Version};

pub fn version(text: &str) -> Result<Version, OpError> {
    Version::parse(text).map_err(|e| OpError::Refused(e.to_string()))
}

pub fn optional_version(text: Option<&str>) -> Result<Option<Version>, OpError> {
    text.map(version).transpose()
}

pub fn package(text: &str) -> Result<Package, OpError> {
    Package::parse(text).map_err(|e| OpError::Refused(e.to_string()))
}

pub fn optional_package(text: Option<&str>) -> Result<Option<Package>, OpError> {
    text.map(package).transpose()
}

/// The target version and the package it comes from, as the stages that check a unit's
/// return (wait_reboot, verify) take them; a failure is the stage's refusal.
pub fn target_and_package(
    stage: &'static str,
    unit: &str,
    target_version: &str,
    package: Option<&str>,
) -> Result<(Version, Option<Package>), Box<ansible_module::ModuleResult>> {
    version(target_version)
        .and_then(|v| Ok((v, optional_package(package)?)))
        .map_err(|e| Box::new(crate::report::fail(unit, stage, &e)))
}

pub fn checksum(text: Option<&str>) -> Result<Option<Checksum>, OpError> {
    text.map(Checksum::parse)
        .transpose()
        .map_err(OpError::Refused)
}
